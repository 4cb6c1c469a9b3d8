"""Cohort events: scheduled in-person or online cohorts of a module, bookings, the register and alumni networks."""
