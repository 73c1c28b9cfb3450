#!/usr/bin/env python3
"""FILES.tsv rows for one repository tree of the real-world suite (issue 14).

Usage: files_tsv.py SLUG OWNER/NAME COMMIT DIR [MIRROR]

DIR is a working copy of the tree to lint (outside this repository): the
repository's files, perhaps moved (a generated build context, a prefix
directory) and with our own placeholders for big or built files. Each file and
symlink of DIR (not .git) is compared with the bare git directory
MIRROR/OWNER+NAME/repo (MIRROR defaults to $DSIG_MIRROR or /work/.mirror) at
COMMIT, and one row `slug, path, mode, source` is printed:

  repo           same bytes and mode at the same path of the repository
  repo:<path>    same bytes and mode at another path of it
  empty          an empty file
  CHECK          none of these: if it is a placeholder we wrote, copy it to
                 testdata/real/overlay/SLUG/<path> and write `overlay`; if it
                 is a modified copy of the repository's code, it cannot be
                 committed: leave it out.

This script only reads DIR and the mirror. To check the result, run
`DSIG_REAL_KEEP=/tmp/trees cargo test --test real_world` and compare
/tmp/trees/SLUG with DIR (`diff -r -x .git`).
"""
import os
import subprocess
import sys


def git(git_dir, *args, data=None):
    return subprocess.run(['git', '--git-dir=' + git_dir, *args], input=data,
                          capture_output=True, check=True).stdout


def main():
    if len(sys.argv) not in (5, 6):
        sys.exit(__doc__)
    slug, repo, commit, top = sys.argv[1:5]
    mirror = sys.argv[5] if len(sys.argv) == 6 else os.environ.get('DSIG_MIRROR', '/work/.mirror')
    git_dir = os.path.join(mirror, repo.replace('/', '+'), 'repo')
    by_path, by_blob = {}, {}
    for entry in git(git_dir, 'ls-tree', '-r', '-z', commit).split(b'\0'):
        if not entry:
            continue
        meta, path = entry.split(b'\t', 1)
        mode, kind, sha = meta.decode().split()
        if kind == 'blob':
            path = path.decode('utf-8', 'surrogateescape')
            by_path[path] = (mode, sha)
            by_blob.setdefault((mode, sha), []).append(path)
    rows = []
    for root, dirs, files in os.walk(top):
        dirs[:] = [d for d in dirs if d != '.git' or root != top]
        for name in files + [d for d in dirs if os.path.islink(os.path.join(root, d))]:
            full = os.path.join(root, name)
            rel = os.path.relpath(full, top)
            if os.path.islink(full):
                mode, data = '120000', os.fsencode(os.readlink(full))
            else:
                mode = '100755' if os.stat(full).st_mode & 0o100 else '100644'
                with open(full, 'rb') as f:
                    data = f.read()
            sha = git(git_dir, 'hash-object', '--stdin', data=data).decode().strip()
            if by_path.get(rel) == (mode, sha):
                source = 'repo'
            elif (mode, sha) in by_blob:
                source = 'repo:' + min(by_blob[(mode, sha)], key=lambda p: (len(p), p))
            elif not data and mode != '120000':
                source = 'empty'
            else:
                source = 'CHECK'
            rows.append((slug, rel, mode, source))
    for row in sorted(rows):
        print('\t'.join(row))


if __name__ == '__main__':
    main()
