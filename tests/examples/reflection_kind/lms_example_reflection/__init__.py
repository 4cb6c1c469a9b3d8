"""An example activity kind: the learner writes a reflection on a prompt; its length is recorded, not its text."""
