"""API tokens: bearer credentials for other systems (HR, workforce data) calling the JSON API."""
