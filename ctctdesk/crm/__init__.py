"""The local CRM: database, models and the rules that decide who may be in an email list. No Qt, no Constant Contact."""
