"""Privilege separation: the web server gives up root once its privileged part is running.

Started as root with `PIPESCOPE_SERVER_USER` set (the image does this), the server starts the
fork server first, which stays root so that it can give each run a uid of its own, then
becomes that user for good: whatever reaches the web server reaches an unprivileged process.
"""

from __future__ import annotations

# Codecs load on first use; the new user may not be able to read the standard library.
import encodings.idna
import encodings.unicode_escape  # noqa: F401
import os
import pwd


class PrivilegeError(RuntimeError):
    pass


def drop_to(user: str) -> None:
    """Become `user` (a name or a uid), with its group and no other, irreversibly."""
    if os.geteuid() != 0:
        return  # already unprivileged: nothing to give up
    try:
        entry = pwd.getpwuid(int(user)) if user.isdigit() else pwd.getpwnam(user)
    except (KeyError, ValueError) as err:
        raise PrivilegeError(
            f"PIPESCOPE_SERVER_USER={user!r} names no user of this system; give a user name "
            "or uid from /etc/passwd"
        ) from err
    if entry.pw_uid == 0:
        raise PrivilegeError("PIPESCOPE_SERVER_USER must name an unprivileged user, not root")
    os.setgroups([])
    os.setresgid(entry.pw_gid, entry.pw_gid, entry.pw_gid)
    os.setresuid(entry.pw_uid, entry.pw_uid, entry.pw_uid)
    if os.geteuid() == 0 or os.getegid() == 0:
        raise PrivilegeError("the server could not give up root")
