"""The one kind of error a user can cause: every compute module's user errors derive from it."""


class UserError(ValueError):
    """Input the user can fix; the message is a sentence that says what to change."""
