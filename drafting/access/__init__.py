"""Who may do what, and the record of who did what: roles, permissions, the authentication
backend (sign-in by delegation), throttles on sign-in and writes, and the audit trail."""
