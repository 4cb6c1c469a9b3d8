"""Evidence assessed by people: submissions, assessors' decisions, quality assurance, recognition of prior learning."""
