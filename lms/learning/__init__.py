"""Enrolment, assignment with due dates, progress through modules, completion and gates."""
