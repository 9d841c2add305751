"""Where manifests and their CSVs are, and whether they may be read at all.

CSV paths must stay inside the repository, so that a manifest in a pull request cannot
make CI upload an arbitrary file of the runner (``../../etc/passwd.csv``, or a symlink
to it). The repository is the nearest ancestor holding ``.git``; without one, the
working directory. Manifests follow the same rule (``repository_of``), so that a
manifest that is a link to a file of the runner is refused, not read and quoted in
error messages and in the pull-request comment. Real paths are cached per directory:
validating ten thousand manifests must not cost ten thousand walks of the same
directories, which is also why this module uses ``os.path`` on strings rather than
pathlib (ruff's PTH rules are off).
"""

from __future__ import annotations

import os
from pathlib import Path


def printable(path: Path | str) -> str:
    """A path as text that can be printed: bytes of its name that are not UTF-8 (which
    Python carries as lone surrogates, and which no output can encode) as ``\\xNN``."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def is_utf8(path: Path | str) -> bool:
    """Whether the path's name is valid UTF-8 (plans and Dograh carry names as text)."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def inside(real: str, root: str) -> bool:
    """Whether a real path is the real directory ``root`` or under it."""
    return real == root or real.startswith(root.rstrip(os.sep) + os.sep)


def repository_of(argument: str) -> str:
    """The real path of the repository the files under a path argument must stay in.

    The nearest ancestor of the argument, as written, that holds ``.git``; a directory
    that is a symbolic link is passed over on the way up, so that a link in the
    repository to another checkout on the machine cannot make that checkout the
    repository. Without one: the working directory if the argument is in it, else the
    argument's own directory.
    """
    lexical = os.path.abspath(argument)
    start = (
        lexical
        if os.path.isdir(lexical) and not os.path.islink(lexical)
        else os.path.dirname(lexical)
    )
    directory = start
    while True:
        if not os.path.islink(directory) and os.path.exists(os.path.join(directory, ".git")):
            return os.path.realpath(directory)
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        directory = parent
    cwd = os.getcwd()
    if inside(start, cwd):
        return os.path.realpath(cwd)
    return os.path.realpath(start)


def display_path(path: Path | str, cwd: str | None = None) -> str:
    """A path as the user would type it: relative to the working directory if inside.
    (``cwd``: the working directory, when the caller knows it; one syscall fewer.)"""
    text = str(path)
    if not os.path.isabs(text):
        return text
    cwd = cwd or os.getcwd()
    prefix = cwd if cwd.endswith(os.sep) else cwd + os.sep
    return text[len(prefix) :] if text.startswith(prefix) else text


def files_in(directory: str) -> list[str]:
    """The paths of a directory's entries, sorted; none if it cannot be listed."""
    try:
        with os.scandir(directory) as listing:
            return sorted(entry.path for entry in listing)
    except OSError:
        return []


class SourcePaths:
    """Resolves ``source.csv`` values safely, remembering what it has resolved."""

    def __init__(self) -> None:
        self._real_dirs: dict[str, str] = {}
        self._in_real_dirs: dict[str, str] = {}
        self._roots: dict[str, str] = {}
        self.cwd = os.getcwd()

    def real_dir(self, directory: str) -> str:
        real = self._real_dirs.get(directory)
        if real is None:
            real = self._real_dirs[directory] = os.path.realpath(directory)
        return real

    def dir_of(self, file: Path | str) -> str:
        """The real directory a file is in."""
        return self.real_dir(os.path.dirname(file) or ".")

    def in_real_dir(self, file: Path | str) -> str:
        """A file's path through its real directory; the file itself may be a link (asked
        several times per manifest: kept)."""
        name = os.fspath(file)
        found = self._in_real_dirs.get(name)
        if found is None:
            found = os.path.join(self.dir_of(name), os.path.basename(name))
            self._in_real_dirs[name] = found
        return found

    def real_file(self, file: Path | str) -> tuple[str, bool]:
        """``os.path.realpath`` of a file, its directory resolved once for all its files
        (one lstat for the file, not one per part); and whether the file is a link."""
        joined = self.in_real_dir(file)
        linked = os.path.islink(joined)
        return (os.path.realpath(joined) if linked else joined), linked

    def up_to_root(self, real_directory: str) -> list[str]:
        """A real directory and those above it, up to its repository's root, nearest
        first."""
        root = self.root_of(real_directory)
        found = [real_directory]
        while found[-1] != root:
            parent = os.path.dirname(found[-1])
            if parent == found[-1] or not inside(parent, root):
                break
            found.append(parent)
        return found

    def root_of(self, real_directory: str) -> str:
        """The repository root above a (real) directory."""
        found = self._roots.get(real_directory)
        if found is not None:
            return found
        directory, visited = real_directory, []
        while True:
            if directory in self._roots:
                found = self._roots[directory]
                break
            visited.append(directory)
            if os.path.exists(os.path.join(directory, ".git")):
                found = directory
                break
            parent = os.path.dirname(directory)
            if parent == directory:
                cwd = os.path.realpath(os.getcwd())
                found = cwd if inside(real_directory, cwd) else real_directory
                break
            directory = parent
        for seen in visited:
            self._roots[seen] = found
        return found

    def resolve(
        self, manifest: Path | str, value: str, *, links: bool = True
    ) -> tuple[str | None, str | None]:
        """The CSV's real path, or why the manifest's ``source.csv`` cannot be used.

        With ``links=False`` the file itself is not checked for being a symbolic link:
        the caller opens it without following links (O_NOFOLLOW) and calls
        ``through_link`` when it is one, which saves an lstat() per file.
        """
        if os.path.isabs(value) or value.startswith(("/", "\\")):
            return None, f"'{value}' is an absolute path; give the path relative to this manifest"
        base = self.dir_of(manifest)
        root = self.root_of(base)
        joined = os.path.normpath(os.path.join(base, value))
        # The directory part through the cache; the file itself may still be a symlink.
        target = os.path.join(self.real_dir(os.path.dirname(joined)), os.path.basename(joined))
        if links and os.path.islink(target):
            target = os.path.realpath(target)
        return self._inside(target, root, value)

    def through_link(self, target: str, value: str) -> tuple[str | None, str | None]:
        """Where a CSV that is a symbolic link leads, if it stays inside the repository."""
        return self._inside(os.path.realpath(target), self.root_of(os.path.dirname(target)), value)

    @staticmethod
    def _inside(target: str, root: str, value: str) -> tuple[str | None, str | None]:
        if not inside(target, root):
            return None, (
                f"'{value}' points outside the repository ({root}); keep contact files inside it"
            )
        return target, None
