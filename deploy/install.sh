#!/bin/sh
# Installs the duet-server package on a machine with systemd, for one domain:
#
#   sudo deploy/install.sh duet.example.org
#
# It puts in place, never overwriting settings or secrets already there:
#   /usr/local/bin/duet-server          the server, with the web app inside
#   /etc/systemd/system/duet.service    the sandboxed unit (deploy/duet.service)
#   /etc/duet/duet.env                  its settings, your domain filled in (mode 600)
#   /etc/duet/access-keys               a random access key (root's, mode 600)
#   /etc/duet/turn-secret               a random TURN secret (root's, mode 600)
#   /etc/duet/turnserver.conf           coturn's settings with that secret
# and says what is left to do. Run it again to upgrade the binary and unit
# (local changes to the unit belong in a drop-in: systemctl edit duet).
# DUET_ROOT=/some/folder installs under that folder instead of / (tests).
set -eu

domain=$(printf '%s' "${1:-}" | tr 'A-Z' 'a-z')
case $domain in
'' | [.-]* | *[.-] | *..* | *-.* | *.-* | *[!a-z0-9.-]*)
	# (IP addresses, a trailing dot, empty labels and non-ASCII names are no
	# name a certificate is made for; an internationalised name goes in its
	# xn-- form.)
	echo "usage: sudo $0 your.domain (the name people will open, e.g. duet.example.org;" >&2
	echo "       letters, digits, dots and hyphens; an internationalised name in its xn-- form)" >&2
	exit 2
	;;
esac
case $domain in *.*[!0-9.]* | *[!0-9.]*.*) ;; *)
	echo "$0: $domain is not a domain name (e.g. duet.example.org; no IP address)" >&2
	exit 2
	;;
esac
package=$(cd "$(dirname "$0")/.." && pwd)
root=${DUET_ROOT:-}
[ -x "$package/duet-server" ] || {
	echo "$0: no duet-server beside deploy/; run this from the unpacked package" >&2
	exit 1
}

upgrade=false
[ -e "$root/usr/local/bin/duet-server" ] && upgrade=true
umask 022
install -D -m 755 "$package/duet-server" "$root/usr/local/bin/duet-server"
install -D -m 644 "$package/deploy/duet.service" "$root/etc/systemd/system/duet.service"
install -d -m 755 "$root/etc/duet"
etc=$root/etc/duet

made=""
umask 077
if [ ! -e "$etc/duet.env" ]; then
	# Only systemd reads it; it may come to hold a Redis password.
	sed "s/duet\.example\.org/$domain/g" "$package/deploy/duet.env" >"$etc/duet.env"
	made="$made duet.env"
elif ! grep -q "^DUET_ALLOWED_HOSTS=.*$domain" "$etc/duet.env"; then
	echo "note: $etc/duet.env is kept as it was, and does not name $domain in DUET_ALLOWED_HOSTS" >&2
fi

# 24 random bytes, URL-safe (the key travels in invite links).
random() { head -c 24 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n'; }
if [ ! -e "$etc/access-keys" ]; then
	{
		echo "# Access keys, one per line (16 characters or more). Invite link:"
		echo "# https://$domain/#key=<a key below>. After a change: systemctl restart duet"
		random
		echo
	} >"$etc/access-keys"
	made="$made access-keys"
fi
if [ ! -e "$etc/turn-secret" ]; then
	random >"$etc/turn-secret"
	made="$made turn-secret"
fi
if [ ! -e "$etc/turnserver.conf" ]; then
	# The secret goes in with the shell's own printf, never on a command
	# line another user could read in ps.
	{
		sed -e "/^#static-auth-secret=/d" -e "s|^#realm=.*|realm=$domain|" -e "s|turn\.example\.org|$domain|g" \
			"$package/deploy/coturn.conf"
		echo "# The secret duet-server has too (/etc/duet/turn-secret)."
		printf 'static-auth-secret=%s\n' "$(cat "$etc/turn-secret")"
	} >"$etc/turnserver.conf"
	chmod 640 "$etc/turnserver.conf"
	if getent group turnserver >/dev/null 2>&1; then chgrp turnserver "$etc/turnserver.conf"; fi
	made="$made turnserver.conf"
fi

key=$(grep -v '^#' "$etc/access-keys" | head -n 1)
if $upgrade; then
	cat <<DONE
Upgraded duet-server and its unit; settings and secrets in /etc/duet are kept.
Now: systemctl daemon-reload && systemctl restart duet
DONE
	exit 0
fi
cat <<DONE
Installed duet-server and its unit.${made:+ Made in /etc/duet:$made.}
Next (docs/operating.md explains each step):
  1. HTTPS in front: Caddy (deploy/Caddyfile) or nginx (deploy/nginx/duet.conf) for $domain
  2. The relay: install -m 640 -g turnserver /etc/duet/turnserver.conf /etc/turnserver.conf
     && systemctl restart coturn
  3. systemctl daemon-reload && systemctl enable --now duet
  4. Open https://$domain/#key=$key
DONE
