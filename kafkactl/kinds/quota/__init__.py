"""The ``quota`` kind (see ``kafkactl.kinds``)."""
