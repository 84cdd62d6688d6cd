"""The ``acl`` kind (see ``kafkactl.kinds``)."""
