"""The ``user`` kind (see ``kafkactl.kinds``)."""
