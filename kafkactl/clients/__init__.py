"""kafkactl.clients: the producer and consumer patterns services use on a topology's topics.

    from kafkactl.clients import ConsumerLoop, Producer
    from kafkactl.topology import load

    topology = load("topology").topology
    with Producer.for_topic(topology, "chat.messages.{tenant}", conn, tenant="acme") as producer:
        producer.produce(key=conversation_id, value=message)

See docs/clients.md. confluent-kafka underneath; the rules of each part are in its module:
``producer`` (reliable delivery), ``consumer`` (ordered, at-least-once, retry then DLQ),
``dlq`` (dead-letter headers, inspect, replay), ``serde`` (schema-registry serdes).
"""

from kafkactl.clients.binding import TopicBinding, bind
from kafkactl.clients.consumer import ConsumerLoop, HandlerFailed, LoopStats, Record, Retry
from kafkactl.clients.dlq import DeadLetter, Replayed, inspect, replay
from kafkactl.clients.producer import Delivery, DeliveryError, Producer
from kafkactl.clients.serde import SerdeError

__all__ = [
    "ConsumerLoop",
    "DeadLetter",
    "Delivery",
    "DeliveryError",
    "HandlerFailed",
    "LoopStats",
    "Producer",
    "Record",
    "Replayed",
    "Retry",
    "SerdeError",
    "TopicBinding",
    "bind",
    "inspect",
    "replay",
]
