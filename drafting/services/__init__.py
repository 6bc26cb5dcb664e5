"""Workflow steps, one function each, named ``<entity>_<verb>``: keyword-only, atomic, locked.

Where each step lives, by what it acts on:

- ``proposals``: a delegation's proposals (create, revise, submit, withdraw, discard);
- ``decisions``: the chair's office decides on them (``proposal_accept``, accept with
  changes, ``proposal_reject``, ``proposal_defer``, ``decision_undo``);
- ``elements``: the chair's office edits the working draft directly (compose, insert, move,
  set a status); ``working_draft``: what those two share;
- ``marks``: support and opposition; ``cosponsorship``: co-sponsors by consent, groups;
  ``replies``: a delegation's reply to a decision;
- ``rounds``: consultation rounds and their deadlines; ``revisions``: issuing numbered
  revisions; ``exports``: their PDFs, Word files and Akoma Ntoso;
- ``meetings``, ``imports``, ``invitations``: setting up a meeting, its zero draft, people;
- ``notifications``, ``visits``: notices and e-mail, what a reader has seen;
- ``gate``: the one way in for writes to a document (its lock order); ``idempotency``:
  a retried request carried out once; ``rows``: a new proposal with its history row and
  audit event in one statement.
"""
