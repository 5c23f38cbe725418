#!/usr/bin/env bash
# Re-creates the certificates and keys of examples/demo-estate (the committed files are its output).
# Needs openssl and ssh-keygen. Dates are fixed, so the estate tells the same story whenever it is
# scanned: what is expired stays expired; the partner client certificate is healthy until late 2027.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
estate="$here/demo-estate"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# sign CSR KEYOUT? SUBJECT START END ISSUER_CERT ISSUER_KEY EXT OUT [MD]
ca_sign() {
  local csr=$1 start=$2 end=$3 issuer_cert=$4 issuer_key=$5 ext=$6 out=$7 md=${8:-sha256}
  mkdir -p "$work/ca/newcerts"
  : > "$work/ca/index.txt"
  [ -f "$work/ca/serial" ] || echo 1000 > "$work/ca/serial"
  cat > "$work/ca.cnf" <<CNF
[ ca ]
default_ca = demo
[ demo ]
dir = $work/ca
database = \$dir/index.txt
new_certs_dir = \$dir/newcerts
serial = \$dir/serial
policy = anything
unique_subject = no
copy_extensions = copy
[ anything ]
commonName = supplied
organizationName = optional
organizationalUnitName = optional
[ leaf ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth
[ ca_ext ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
CNF
  local selfsign=()
  if [ "$issuer_cert" = self ]; then selfsign=(-selfsign); issuer_cert=/dev/null; fi
  openssl ca -batch -config "$work/ca.cnf" -notext -md "$md" -startdate "$start" -enddate "$end" \
    -extensions "$ext" -keyfile "$issuer_key" ${selfsign[@]+"${selfsign[@]}"} \
    $( [ "$issuer_cert" != /dev/null ] && echo "-cert $issuer_cert" ) \
    -in "$csr" -out "$out" 2>/dev/null
}

csr() { # KEY SUBJECT [SAN]
  local san=()
  [ -n "${3:-}" ] && san=(-addext "subjectAltName=$3")
  openssl req -new -key "$1" -subj "$2" ${san[@]+"${san[@]}"} -out "$work/req.csr"
}

mkdir -p "$estate/pki/ca" "$estate/pki/api-gateway" "$estate/pki/legacy-billing" "$estate/pki/partner-sftp"

# Internal root CA: long-lived, as roots are (not a finding).
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/root.key" 2>/dev/null
csr "$work/root.key" "/O=Larkspur Freight/CN=Larkspur Internal Root CA"
ca_sign "$work/req.csr" 20240101000000Z 20440101000000Z self "$work/root.key" ca_ext "$estate/pki/ca/root-ca.pem"

# API gateway: valid 2025-01-01 .. 2030-01-01 (over 398 days) and its key, unencrypted, beside it.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$estate/pki/api-gateway/tls.key" 2>/dev/null
csr "$estate/pki/api-gateway/tls.key" "/O=Larkspur Freight/CN=api.larkspur.example" "DNS:api.larkspur.example,DNS:gateway.internal.larkspur.example"
ca_sign "$work/req.csr" 20250101000000Z 20300101000000Z "$estate/pki/ca/root-ca.pem" "$work/root.key" leaf "$work/leaf.pem"
cat "$work/leaf.pem" "$estate/pki/ca/root-ca.pem" > "$estate/pki/api-gateway/tls.crt"

# Legacy billing: RSA 1024, SHA-1, expired in 2023; the PEM bundles the key with the certificate.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$work/billing.key" 2>/dev/null
csr "$work/billing.key" "/O=Larkspur Freight/CN=billing-legacy.larkspur.example" "DNS:billing-legacy.larkspur.example"
ca_sign "$work/req.csr" 20210301000000Z 20230301000000Z "$estate/pki/ca/root-ca.pem" "$work/root.key" leaf "$work/billing.pem" sha1
openssl pkey -in "$work/billing.key" -traditional -out "$work/billing-trad.key"
cat "$work/billing.pem" "$work/billing-trad.key" > "$estate/pki/legacy-billing/billing.pem"

# Partner SFTP client certificate: short-lived and healthy, key encrypted (no finding).
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -aes-256-cbc -pass pass:demo-only \
  -out "$estate/pki/partner-sftp/client.key" 2>/dev/null
openssl req -new -key "$estate/pki/partner-sftp/client.key" -passin pass:demo-only \
  -subj "/O=Larkspur Freight/CN=sftp-client.larkspur.example" \
  -addext "subjectAltName=DNS:sftp-client.larkspur.example" -out "$work/req.csr"
ca_sign "$work/req.csr" 20261015000000Z 20271110000000Z "$estate/pki/ca/root-ca.pem" "$work/root.key" leaf "$estate/pki/partner-sftp/client.crt"

# SSH: the deploy key (unencrypted) copied into the CI runner too, and authorized for the deploy
# account without from=/command= restrictions; an operator's encrypted key; a backup key locked down.
mkdir -p "$estate/keys/deploy" "$estate/ci/runner" "$estate/home/deploy/.ssh" "$estate/home/alice/.ssh" \
  "$estate/home/backup/.ssh" "$estate/keys/ops"
rm -f "$estate/keys/deploy/id_ed25519"* "$estate/keys/ops/id_rsa"* "$work/backup" "$work/alice"
ssh-keygen -q -t ed25519 -N '' -C 'deploy@ci.larkspur.example' -f "$estate/keys/deploy/id_ed25519"
cp "$estate/keys/deploy/id_ed25519" "$estate/ci/runner/deploy_key"
ssh-keygen -q -t rsa -b 4096 -N 'demo-only' -C 'ops@larkspur.example' -f "$estate/keys/ops/id_rsa"
ssh-keygen -q -t ed25519 -N '' -C 'backup@vault.larkspur.example' -f "$work/backup"
ssh-keygen -q -t ed25519 -N '' -C 'alice@laptop' -f "$work/alice"
{
  echo "# deploy account: used by the CI runner"
  cat "$estate/keys/deploy/id_ed25519.pub"
} > "$estate/home/deploy/.ssh/authorized_keys"
echo "from=\"10.20.0.0/16\" $(cat "$work/alice.pub")" > "$estate/home/alice/.ssh/authorized_keys"
echo "from=\"10.30.4.7\",command=\"rsync --server --sender -logDtpre.iLsfxCIvu . /srv/backup\",restrict $(cat "$work/backup.pub")" \
  > "$estate/home/backup/.ssh/authorized_keys"
chmod 600 "$estate/pki/api-gateway/tls.key" "$estate/keys/deploy/id_ed25519" "$estate/ci/runner/deploy_key"
echo "demo keys written under $estate"
