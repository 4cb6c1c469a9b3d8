"""Messages to a person from the service: shown in it, and sent on by the e-mail channel."""
