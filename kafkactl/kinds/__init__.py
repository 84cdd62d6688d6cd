"""Resource kinds beyond topics, subjects and cluster configs: one folder per kind.

Each kind folder holds the parts of one kind together (ARCHITECTURE section 5c):

- ``spec.py``   frozen value types (desired and live) and pure rules; imported by ``kafkactl.model``,
                so it imports nothing of kafkactl but ``errors``;
- ``read.py``   its live state, in one batched read through the ``kafkactl.kinds.ports`` port;
- ``diff.py``   pure: desired vs live -> ``Change`` values of its ``kind``, and its fingerprint view;
- ``apply.py``  one executor phase: runs exactly its changes through the port.

``kafkactl.kinds.registry`` lists the kinds once; the reader, diff, executor and targets iterate it.
No kind module talks to Kafka itself: ``kafkactl.admin_access`` implements the port.
(Topics, subjects and cluster configs still live in the flat modules; moving them here is future work.)
"""
