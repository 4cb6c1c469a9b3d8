"""The certificate plugin: issue, sign, verify and manage portable accreditation certificates."""
