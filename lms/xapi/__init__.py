"""The Learning Record Store: xAPI resources, statement validation and storage, forwarding, builders."""
