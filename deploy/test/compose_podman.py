#!/usr/bin/env python3
"""TEST ONLY: one service of a compose file as `podman run` arguments.

deploy/test.sh starts the services of deploy/compose.yaml with podman directly: a compose
engine's `condition: service_healthy` needs healthchecks that run by themselves, which podman
schedules through systemd, absent where the test runs. So that the test still runs what the
compose file says, this prints a service's image, command, environment (its env_file, then its
`environment`, with ${NAME} and ${NAME:-default} taken from this process's environment),
volumes, healthcheck and stop grace period, NUL-separated, for the caller to append to its own
`podman run` options. Networking is the caller's: ports and networks are not printed.

    compose_podman.py FILE SERVICE [--project NAME] [--env NAME=VALUE]...
                      [--volume-source SOURCE=PATH]... [--command ARG]...
    compose_podman.py FILE SERVICE --print-env | --print-image

--env adds or replaces a variable, --volume-source replaces a bind mount's source, --command
(repeated, one argument each) replaces the command; named volumes get the project's prefix.
--print-env prints the service's environment instead, one NAME=VALUE per line, and
--print-image its image.
"""

import argparse
import os
import re
import shlex
import sys
from pathlib import Path

import yaml

VARIABLE = re.compile(r"\$(?:\$|\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\})")


def interpolate(value):
    """Compose's variable substitution, in the two forms the compose file uses."""
    if isinstance(value, str):
        if re.search(r"\$(?!\{)", value.replace("$$", "")):
            sys.exit(f"compose_podman: unsupported substitution in {value!r}")

        def substitute(match):
            if match.group(0) == "$$":
                return "$"
            name, default = match.group(1), match.group(2)
            return os.environ.get(name) or (default or "")

        return VARIABLE.sub(substitute, value)
    if isinstance(value, list):
        return [interpolate(item) for item in value]
    if isinstance(value, dict):
        return {key: interpolate(item) for key, item in value.items()}
    return value


def read_env_file(path):
    env = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, _, value = line.partition("=")
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        env[name.strip()] = value
    return env


def environment(service, base):
    env = {}
    env_files = service.get("env_file", [])
    for name in [env_files] if isinstance(env_files, str) else env_files:
        env.update(read_env_file(base / name))
    declared = service.get("environment", {})
    if isinstance(declared, list):
        declared = dict(item.split("=", 1) for item in declared)
    env.update({name: str(value) for name, value in declared.items()})
    return env


def health_command(test):
    """A healthcheck's test as podman takes it: one command line for a shell."""
    kind, *command = [test] if isinstance(test, str) else test
    if kind == "CMD":
        return shlex.join(command)
    if kind == "CMD-SHELL":
        return command[0]
    sys.exit(f"compose_podman: unsupported healthcheck test {test!r}")


def seconds(duration):
    match = re.fullmatch(r"(\d+)s", duration)
    if not match:
        sys.exit(f"compose_podman: durations are expected in seconds, not {duration!r}")
    return match.group(1)


def run_arguments(service, base, options):
    args = []
    env = environment(service, base)
    env.update(dict(item.split("=", 1) for item in options.env))
    for name, value in env.items():
        args += ["--env", f"{name}={value}"]

    sources = dict(item.split("=", 1) for item in options.volume_source)
    for volume in service.get("volumes", []):
        source, target = volume.split(":", 1)
        if source in sources:
            source = sources[source]
        elif source.startswith((".", "/")):
            source = str((base / source).resolve())
        else:
            source = f"{options.project}_{source}"
        args += ["--volume", f"{source}:{target}"]

    check = service.get("healthcheck")
    if check:
        args += ["--health-cmd", health_command(check["test"])]
        for key in ("interval", "timeout"):
            if key in check:
                args += [f"--health-{key}", check[key]]
        if "retries" in check:
            args += ["--health-retries", str(check["retries"])]
    if "stop_grace_period" in service:
        args += ["--stop-timeout", seconds(service["stop_grace_period"])]

    args.append(service["image"])
    command = options.command or service.get("command", [])
    args += [command] if isinstance(command, str) else command
    return args


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("service")
    parser.add_argument("--project", default="dealnest-test")
    parser.add_argument("--env", action="append", default=[])
    parser.add_argument("--volume-source", action="append", default=[])
    parser.add_argument("--command", action="append", default=[])
    parser.add_argument("--print-env", action="store_true")
    parser.add_argument("--print-image", action="store_true")
    options = parser.parse_args()

    compose = yaml.safe_load(options.file.read_text())
    if options.service not in compose["services"]:
        sys.exit(f"compose_podman: no service {options.service!r} in {options.file}")
    service = interpolate(compose["services"][options.service])
    base = options.file.resolve().parent

    if options.print_env:
        for name, value in environment(service, base).items():
            print(f"{name}={value}")
    elif options.print_image:
        print(service["image"])
    else:
        sys.stdout.write("".join(f"{arg}\0" for arg in run_arguments(service, base, options)))


if __name__ == "__main__":
    main()
