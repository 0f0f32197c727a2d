#!/usr/bin/env bash
# Runs a command as root: directly when already root, else through sudo.
if [ "$(id -u)" -eq 0 ]; then
	exec "$@"
fi
exec sudo "$@"
