"""Events shared over NATS JetStream: envelope, contracts, outbox relay and consumers."""
