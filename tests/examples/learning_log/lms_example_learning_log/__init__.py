"""An example code plugin: a "Learning log" page of the bundles a person has completed, linked from the dashboard."""
