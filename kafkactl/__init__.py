"""kafkactl: infrastructure as code for Apache Kafka."""

__version__ = "0.1.0"
