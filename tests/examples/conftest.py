"""The examples' own test folders run as their authors would run them (see test_learning_log.py), not here."""

collect_ignore = ["learning_log/tests"]
