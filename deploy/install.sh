#!/bin/sh
# The container image's install step: a virtual environment at PREFIX holding Ordo from the
# wheels in WHEEL_DIR (built from this checkout) and every third-party dependency from the
# package index, exactly what `pip install 'ordo-core[postgres,redis]' ordo-adapter-...` gives
# a user. No test tools: ordo-testing is not installed.
#
# The Dockerfile runs it; `make package-check` runs it into a temporary prefix and then the
# image's entrypoint and HEALTHCHECK from there, so the image is verified without Docker.
#
# usage: install.sh PREFIX WHEEL_DIR     (PYTHON overrides the interpreter, default python3)
set -eu
if [ "$#" -ne 2 ]; then
    echo "usage: $0 PREFIX WHEEL_DIR" >&2
    exit 2
fi
prefix=$1
wheels=$2

wheel() {
    # The one wheel of distribution $1 (its file name uses underscores).
    set -- "$wheels"/"$1"-*.whl
    if [ "$#" -ne 1 ] || [ ! -f "$1" ]; then
        echo "install.sh: expected exactly one $1 wheel in $wheels" >&2
        exit 2
    fi
    echo "$1"
}

core=$(wheel ordo_core)
client=$(wheel ordo_client)
mock=$(wheel ordo_adapter_mock)
fyers=$(wheel ordo_adapter_fyers)
hdfc=$(wheel ordo_adapter_hdfc)
mirae=$(wheel ordo_adapter_mirae)

"${PYTHON:-python3}" -m venv "$prefix"
# Ordo's own distributions are named by file so that no index can substitute them.
"$prefix/bin/python" -m pip install --no-cache-dir --disable-pip-version-check --quiet \
    "$client" "$core[postgres,redis]" "$mock" "$fyers" "$hdfc" "$mirae"
