#!/bin/sh
# install.sh [--copy] ROOT
#
# Installs the unit file of every example (examples/*/hb-example-*.service) into
# ROOT/etc/systemd/system/, replacing the placeholder @EXAMPLES@ with the absolute path of
# this examples directory, and prints the installed unit names, one per line. User-service
# examples (examples/*/hb-user-example-*.service) go to ROOT/etc/systemd/user/ (every user
# manager reads it) and are not printed.
# It does NOT run `systemctl daemon-reload`; do that against the manager that reads ROOT
# (and `systemctl --user daemon-reload` for the user examples).
#
#   ROOT=/            the running system
#   ROOT=$HB_ROOT     the overlay root of a test container (sandbox.sh)
#
# --copy  also copies the example programs to ROOT/usr/local/lib/hb-examples/ and points
#         the units there instead of at this checkout. Use it when the checkout is under
#         /home, /root or /tmp (CI runners!): otherwise ProtectHome= / PrivateTmp= hide
#         the programs themselves and every example "fails" for the wrong reason; and when
#         the checkout is not world-readable (DynamicUser=/User=nobody cannot read it).
set -eu

usage() { echo "usage: install.sh [--copy] ROOT" >&2; exit 2; }
copy=0
[ "${1:-}" = --copy ] && { copy=1; shift; }
[ $# -eq 1 ] && [ -n "$1" ] || usage
root=$1
[ -d "$root" ] || { echo "install.sh: ROOT '$root' is not a directory" >&2; exit 1; }

here=$(cd "$(dirname "$0")" && pwd -P)
if [ "$copy" = 1 ]; then
    target=/usr/local/lib/hb-examples
    dest=$root$target
    mkdir -p "$dest"
    for d in "$here"/*/; do
        d=${d%/}; n=${d##*/}
        ls "$d"/hb-example-*.service >/dev/null 2>&1 ||
            ls "$d"/hb-user-example-*.service >/dev/null 2>&1 || continue
        rm -rf "${dest:?}/$n"
        cp -R "$d" "$dest/$n"
    done
    # the probes are not needed by the services, only by harden-bisect on the host
    chmod -R u=rwX,go=rX "$dest"
else
    target=$here
    case $target in
        /home/* | /root/* | /run/user/* | /tmp/* | /var/tmp/*)
            echo "install.sh: WARNING: $target is hidden by ProtectHome=/PrivateTmp=;" \
                 "every example will break under those options. Consider --copy." >&2 ;;
    esac
fi

# The path goes into ExecStart= between double quotes and into a sed replacement:
# refuse characters that would need escaping there, and double % (systemd specifiers).
nl='
'
case $target in
    *'"'* | *'\'* | *'|'* | *'&'* | *"$nl"*)
        echo "install.sh: unsupported character in path '$target'" >&2; exit 1 ;;
esac
esc=$(printf '%s' "$target" | sed 's/%/%%/g')

unitdir=$root/etc/systemd/system
mkdir -p "$unitdir"
found=0
for f in "$here"/*/hb-example-*.service; do
    [ -f "$f" ] || continue
    name=${f##*/}
    sed "s|@EXAMPLES@|$esc|g" "$f" >"$unitdir/$name.tmp"
    chmod 0644 "$unitdir/$name.tmp"
    mv -f "$unitdir/$name.tmp" "$unitdir/$name"
    echo "$name"
    found=$((found + 1))
done
[ "$found" -gt 0 ] || { echo "install.sh: no example units found in $here" >&2; exit 1; }

userdir=$root/etc/systemd/user
mkdir -p "$userdir"
for f in "$here"/*/hb-user-example-*.service; do
    [ -f "$f" ] || continue
    name=${f##*/}
    sed "s|@EXAMPLES@|$esc|g" "$f" >"$userdir/$name.tmp"
    chmod 0644 "$userdir/$name.tmp"
    mv -f "$userdir/$name.tmp" "$userdir/$name"
done
