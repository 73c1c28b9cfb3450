#!/usr/bin/env python3
"""The official images table of dsig (src/model/official.tsv) and its
embedded startup scripts (src/model/official_files.rs), generated from the
official images' own Dockerfiles.

  generate.py import           pick the Dockerfiles and startup scripts this
                               table needs in git mirrors of the images'
                               repositories (at their HEAD) and write
                               testdata/official/MANIFEST.tsv (repository,
                               commit, path of every file)
  generate.py                  read them (at the MANIFEST's commits) and write
                               the table
  generate.py --check          fail (exit 1) when the committed table differs
                               from what the Dockerfiles give

The sources are read from git mirrors, MIRRORS/<owner>+<name>/repo, with
MIRRORS from $DSIG_OFFICIAL_SOURCES (default /work/.mirror: where the `fetch`
tool puts them); they are not copied into this repository. Without them
`--check` says so and skips. The startup scripts are analysed by dsig itself
(src/model/official_scripts.tsv, see src/model/base.rs).

Parsing: the PyPI `dockerfile` package (BuildKit's parser; `pip install
dockerfile==3.4.0`).

One row per Dockerfile: the image, its version directory, the tag tokens a
tag must name to mean it (`required`: alpine, slim, fpm, ...) and those it
may leave out (`optional`: the Debian release, the alpine version, the
image's default variant), the FROM of its final stage, and what that stage
sets: ENTRYPOINT, CMD, STOPSIGNAL, USER, WORKDIR, SHELL, ENV (values as
written: `$PATH` is the parent's), and the startup scripts it copies from
its repository (image path, embedded file, executable). `-` means "not set
here: inherited from FROM"; `unset` means reset (an ENTRYPOINT resets an
inherited CMD). dsig resolves FROM and matches tags (src/model/base.rs).

Left out: mariadb, jenkins, nextcloud, odoo, sonarqube (their repositories
are reserved for dsig's independent evaluation); openjdk (deprecated for
eclipse-temurin); Windows variants. debian, ubuntu, alpine and the RHEL
family are bare OS images whose only setting is CMD: dsig knows them by name
(`known_os_base` in src/model/mod.rs), and they end every FROM chain here.
Each image keeps the Dockerfiles of its newest versions (the count in
IMAGES): a tag of another version gets what all of them agree on, without
their ENV.
"""

import fnmatch
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TABLE = os.path.join(ROOT, "src", "model", "official.tsv")
MANIFEST = os.path.join(HERE, "MANIFEST.tsv")
MIRRORS = os.environ.get("DSIG_OFFICIAL_SOURCES", "/work/.mirror")


def repo_dir(repo):
    return os.path.join(MIRRORS, repo.replace("/", "+"), "repo")


def source(repo, commit, path):
    """A file of a repository at a commit, from its mirror."""
    return git(repo_dir(repo), "show", f"{commit}:{path}").decode()

# image -> (repository, how many of the newest versions to keep, tokens this
# image's tags may leave out besides the OS release, tokens they must name
# besides the common ones, path prefix dropped before the version).
IMAGES = {
    "python": ("docker-library/python", 2, [], []),
    "node": ("nodejs/docker-node", 2, [], []),
    "nginx": ("nginxinc/docker-nginx", 2, ["debian"], []),
    "httpd": ("docker-library/httpd", 1, [], []),
    "postgres": ("docker-library/postgres", 2, [], []),
    "redis": ("docker-library/redis", 2, ["debian"], []),
    "mysql": ("docker-library/mysql", 2, ["oracle"], []),
    "php": ("docker-library/php", 1, ["cli"], []),
    "golang": ("docker-library/golang", 1, [], []),
    "ruby": ("docker-library/ruby", 1, [], []),
    "mongo": ("docker-library/mongo", 2, [], []),
    "rabbitmq": ("docker-library/rabbitmq", 1, ["ubuntu"], []),
    "haproxy": ("docker-library/haproxy", 2, [], []),
    "memcached": ("docker-library/memcached", 1, ["debian"], []),
    "wordpress": ("docker-library/wordpress", 1, ["apache", "latest"], ["cli"]),
    "ghost": ("docker-library/ghost", 1, [], []),
    "cassandra": ("docker-library/cassandra", 1, [], []),
    "docker": ("docker-library/docker", 1, ["dind"], ["cli"]),
    "tomcat": ("docker-library/tomcat", 1, ["temurin"], []),
    "busybox": ("docker-library/busybox", 1, ["glibc", "latest"], []),
    "buildpack-deps": ("docker-library/buildpack-deps", 1, ["debian", "ubuntu"], []),
    "eclipse-temurin": ("adoptium/containers", 1, ["jdk", "ubuntu", "ubi"], []),
    # The default tags of both are their alpine variant (library/traefik,
    # library/caddy of docker-library/official-images).
    "traefik": ("traefik/traefik-library-image", 2, ["alpine"], []),
    "caddy": ("caddyserver/caddy-docker", 1, ["alpine"], []),
}

# Tokens a tag must name to mean a Dockerfile that has them (a tag without
# them means another variant). Every other token of a Dockerfile's path may
# be left out: a tag then names several Dockerfiles, and dsig keeps only what
# they agree on.
REQUIRED = {
    "alpine", "slim", "fpm", "apache", "zts", "management", "perl", "otel",
    "minimal", "rootless", "scm", "curl", "musl", "uclibc", "jre", "ubi9",
    "ubi10", "cli",
}


def git(repo_dir, *args):
    return subprocess.run(
        ["git", "-C", repo_dir, *args], check=True, capture_output=True
    ).stdout


def version_key(v):
    return [int(p) if p.isdigit() else -1 for p in re.split(r"[.]", v.lstrip("v"))]


def tokens_of(image, rel):
    """(version, tokens) of a Dockerfile path inside the image's repository."""
    parts = rel.split("/")
    name = parts[-1]
    parts = parts[:-1]
    if image == "buildpack-deps":
        version = ""
    else:
        version, parts = parts[0], parts[1:]
    toks = []
    for p in parts:
        toks.extend(t for t in p.split("-") if t)
    if image == "eclipse-temurin":
        # 21/jre/alpine/3.22 -> tags 21-jre-alpine-3.22 / 21-jre-alpine
        toks = ["alpine" + t if re.fullmatch(r"\d+\.\d+", t) else t for t in toks]
    if image == "wordpress":
        # latest/php8.4/apache -> php8.4-apache; cli/php8.4/alpine -> cli-php8.4
        if version == "cli":
            toks = ["cli"] + toks
        version = ""
    if image == "traefik":
        version = version.lstrip("v")
    if name == "Dockerfile.oracle":
        toks.append("oracle")
    return version, toks


def split_tokens(image, toks):
    optional_extra = IMAGES[image][2]
    required_extra = IMAGES[image][3]
    req, opt = [], []
    for t in toks:
        base = re.sub(r"[\d.]+$", "", t)
        if (t in required_extra) or (t in REQUIRED and t not in optional_extra):
            req.append(t)
        elif base == "alpine" and t != "alpine":
            # alpine3.22: the tag may say alpine (required) or alpine3.22
            if "alpine" not in toks:
                req.append("alpine")
            opt.append(t)
        elif image == "tomcat" and re.fullmatch(r"(jdk|jre)\d+", t):
            opt.append(t)
            if t.startswith("jre"):
                req.append("jre")
        else:
            opt.append(t)
    return req, opt


def selected(image, names):
    """The Dockerfiles to keep: Linux ones of the newest `keep` versions."""
    keep = IMAGES[image][1]
    dfs = [
        n
        for n in names
        if re.search(r"(^|/)Dockerfile(\.oracle)?$", n)
        and "windows" not in n
        and "/" in n
        and not n.startswith(".")
        and "builder" not in n
        and not n.startswith("modules/")
    ]
    if image == "buildpack-deps":
        return sorted(dfs)
    if image == "wordpress":
        dfs = [n for n in dfs if not n.startswith("beta/")]
    if image == "traefik":
        dfs = [n for n in dfs if "/alpine/" in n]
    versions = sorted(
        {n.split("/")[0] for n in dfs}, key=lambda v: (not re.match(r"v?\d", v), version_key(v))
    )
    stable = [v for v in versions if not re.search(r"rc|tip|beta", v)]
    if image in ("nginx", "busybox", "wordpress"):
        chosen = set(stable)
    else:
        numeric = [v for v in stable if re.match(r"v?\d", v)]
        chosen = set(numeric[-keep:])
    return sorted(n for n in dfs if n.split("/")[0] in chosen)


def parse(text):
    import dockerfile

    return dockerfile.parse_string(text)


def startup_copies(cmds, listing, df_dir):
    """Context files the final stage COPYs that start the image: names with
    'entrypoint' or 'foreground', and files copied into an entrypoint
    directory. Returns [(repo path, image path)]."""
    out = []
    workdir = "/"
    for c in final_stage(cmds):
        if c.cmd == "WORKDIR" and c.value:
            w = c.value[0]
            workdir = w if w.startswith("/") else workdir.rstrip("/") + "/" + w
        if c.cmd not in ("COPY", "ADD") or any(f.startswith("--from") for f in c.flags):
            continue
        if len(c.value) < 2:
            continue
        srcs, dest = c.value[:-1], c.value[-1]
        if not dest.startswith("/"):
            dest = workdir.rstrip("/") + "/" + dest
        for s in srcs:
            for f in listing:
                d, b = os.path.split(f)
                if d != df_dir or not fnmatch.fnmatch(b, s):
                    continue
                into_dir = dest.endswith("/") or len(srcs) > 1 or "*" in s
                ipath = dest.rstrip("/") + "/" + b if into_dir else dest
                if re.search(r"entrypoint|foreground", b) or "entrypoint" in dest:
                    out.append((f, ipath))
    return out


def final_stage(cmds):
    last = 0
    for i, c in enumerate(cmds):
        if c.cmd == "FROM":
            last = i
    return cmds[last:]


def do_import():
    rows = []
    stored = {}
    for image, (repo, *_rest) in sorted(IMAGES.items()):
        rdir = repo_dir(repo)
        commit = git(rdir, "rev-parse", "HEAD").decode().strip()
        names = git(rdir, "ls-tree", "-r", "--name-only", "HEAD").decode().splitlines()
        modes = {}
        for line in git(rdir, "ls-tree", "-r", "HEAD").decode().splitlines():
            meta, path = line.split("\t", 1)
            modes[path] = meta.split()[0]
        for df in selected(image, names):
            text = git(rdir, "show", f"HEAD:{df}").decode()
            wanted = [df] + [
                f for f, _ in startup_copies(parse(text), names, os.path.dirname(df))
            ]
            for f in wanted:
                data = git(rdir, "show", f"HEAD:{f}")
                same = stored.get((image, data))
                if same is None or f == df:
                    same = f
                    stored[(image, data)] = f
                rows.append((image, repo, commit, f, modes.get(f, ""), same))
    with open(MANIFEST, "w") as fh:
        # stored: the first path with the same text (identical startup
        # scripts of several variants are analysed once).
        fh.write("image\trepository\tcommit\tpath\tmode\tstored\n")
        for r in sorted(set(rows)):
            fh.write("\t".join(r) + "\n")


def manifest():
    out = []
    with open(MANIFEST) as fh:
        next(fh)
        for line in fh:
            out.append(tuple(line.rstrip("\n").split("\t")))
    return out


def command(c):
    if c.json:
        return json.dumps({"exec": list(c.value)})
    return json.dumps({"shell": " ".join(c.value)})


def row_of(image, repo, commit, df, listing, modes, stored):
    cmds = parse(source(repo, commit, df))
    stages = []
    by_name = {}
    for c in cmds:
        if c.cmd == "FROM":
            ref = c.value[0] if c.value else ""
            st = {
                "from": ref, "entrypoint": "-", "cmd": "-", "stopsignal": "-",
                "user": "-", "workdir": "-", "shell": "-", "env": [],
            }
            if ref.lower() in by_name:
                st = dict(by_name[ref.lower()])
                st["env"] = list(st["env"])
            st["cmd_here"] = False
            stages.append(st)
            if len(c.value) >= 3 and c.value[1].lower() == "as":
                by_name[c.value[2].lower()] = st
            continue
        if not stages:
            continue
        st = stages[-1]
        if c.cmd == "ENTRYPOINT":
            st["entrypoint"] = command(c)
            if not st["cmd_here"]:
                st["cmd"] = "unset"
        elif c.cmd == "CMD":
            st["cmd"] = command(c)
            st["cmd_here"] = True
        elif c.cmd in ("STOPSIGNAL", "USER", "WORKDIR") and c.value:
            st[c.cmd.lower()] = c.value[0]
        elif c.cmd == "SHELL" and c.json:
            st["shell"] = json.dumps(list(c.value))
        elif c.cmd == "ENV":
            v = list(c.value)
            for i in range(0, len(v) - 1, 2):
                st["env"].append([v[i], v[i + 1]])
    st = stages[-1]
    files = []
    for f, ipath in startup_copies(cmds, listing, os.path.dirname(df)):
        files.append([ipath, f"{image}/{stored[(image, f)]}", modes.get(f) == "100755"])
    version, toks = tokens_of(image, df)
    req, opt = split_tokens(image, toks)
    return [
        image, version, ",".join(req), ",".join(opt), st["from"], st["entrypoint"],
        st["cmd"], st["stopsignal"], st["user"], st["workdir"], st["shell"],
        json.dumps(st["env"]), json.dumps(files), f"{repo}:{df}@{commit[:12]}",
    ]


HEADER = [
    "image", "version", "required", "optional", "from", "entrypoint", "cmd",
    "stopsignal", "user", "workdir", "shell", "env", "files", "source",
]


def generate():
    m = manifest()
    listing = {}
    modes = {}
    stored = {}
    for image, repo, commit, path, mode, same in m:
        listing.setdefault(image, []).append(path)
        modes[(image, path)] = mode
        stored[(image, path)] = same
    rows = []
    for image, repo, commit, path, mode, _ in m:
        if not re.search(r"(^|/)Dockerfile(\.oracle)?$", path):
            continue
        im = {p: modes[(image, p)] for p in listing[image]}
        rows.append(row_of(image, repo, commit, path, listing[image], im, stored))
    rows.sort(key=lambda r: (r[0], r[13]))
    return "\t".join(HEADER) + "\n" + "".join("\t".join(r) + "\n" for r in rows)


def main():
    args = sys.argv[1:]
    if args[:1] == ["import"]:
        do_import()
        args = []
    missing = [
        repo for repo, *_ in IMAGES.values() if not os.path.isdir(repo_dir(repo))
    ]
    if missing:
        print(f"skipped: no mirror of {', '.join(sorted(set(missing)))} under {MIRRORS}", file=sys.stderr)
        sys.exit(0 if args == ["--check"] else 2)
    table = generate()
    if args == ["--check"]:
        with open(TABLE) as fh:
            have = fh.read()
        if have != table:
            print("src/model/official.tsv is not what generate.py gives: run it", file=sys.stderr)
            sys.exit(1)
        return
    with open(TABLE, "w") as fh:
        fh.write(table)


if __name__ == "__main__":
    main()
