"""What the tests share: fake printers, byte decoders, the crash and concurrency
harnesses, the PostgreSQL throwaway server and the reference ledger's model."""
