"""Organisation administration: services, staff import and pages."""
