# shellcheck shell=bash
# The upgrade test of ci/install-tests (sourced after install-common.sh): a small package built from
# a standalone syspack.toml, version 1.0 then 1.1, with two conffiles (one edited by the admin
# between the versions, one not) and all four scripts appending their name and arguments to
# /var/lib/syspack-upgrade-test/log.
#
# * dpkg (bookworm root): install 1.0, edit, `dpkg -i --force-confold` 1.1, remove, purge.
#   Expected script order is dpkg's (deb-prerm(5), deb-preinst(5), deb-postrm(5), deb-postinst(5),
#   Debian Policy §6.6): an upgrade calls old-prerm upgrade NEW, new-preinst upgrade OLD NEW,
#   old-postrm upgrade NEW, new-postinst configure OLD; syspack's deb wrapper runs each body for those actions (distro/src/deb/mod.rs).
# * rpm --root (bookworm root): -i 1.0, edit, -U 1.1, -e. Expected order is rpm's: new %pre,
#   new %post, old %preun, old %postun (rpm's scriptlet ordering, `$1` = instances after the
#   transaction); syspack runs pre_remove/post_remove bodies only when `$1` is 0
#   (distro/src/rpm/scripts.rs), so an upgrade logs only the new package's two scripts.
#   `%config(noreplace)`: the edited file is kept and 1.1's copy lands in `.rpmnew`.
#
# It records no matrix proofs: the matrix is about syspack's own packages, not this test package.

# shellcheck disable=SC2154,SC2016 # work comes from ci/install-tests; bash -c checks quote on purpose
upgrade_pkg="syspack-upgrade-test"

# make_upgrade_package SYSPACK DIR VERSION: writes DIR/VERSION/{syspack.toml,…} and packages it for
# debian-12 and fedora-43 into DIR/out-VERSION; prints nothing.
make_upgrade_package() {
  local syspack=$1 dir=$2/$3 version=$3 s
  mkdir -p "$dir/files" "$dir/scripts"
  echo "version = $version" >"$dir/files/version"
  echo "setting = shipped-by-$version" >"$dir/files/edited.conf"
  echo "other = shipped-by-$version" >"$dir/files/untouched.conf"
  for s in pre_install post_install pre_remove post_remove; do
    # The log line: the script's name and its arguments, comma-separated: post_install(configure,1.0).
    printf '#!/bin/sh\nset -e\nmkdir -p /var/lib/%s\n(IFS=,; echo "%s-%s($*)") >>/var/lib/%s/log\n' \
      "$upgrade_pkg" "$s" "$version" "$upgrade_pkg" >"$dir/scripts/$s"
  done
  cat >"$dir/syspack.toml" <<EOF
[package]
name = "$upgrade_pkg"
version = "$version"
summary = "syspack upgrade test package"
description = "Logs its maintainer scripts; used by syspack's ci/install-tests."
maintainer = "syspack CI <ci@example.org>"
license = "MIT"
architecture = "all"
assets = [
  { source = "files/version", dest = "/usr/share/$upgrade_pkg/version" },
  { source = "files/edited.conf", dest = "/etc/$upgrade_pkg/edited.conf", config = true },
  { source = "files/untouched.conf", dest = "/etc/$upgrade_pkg/untouched.conf", config = true },
]
scripts = { pre_install = "scripts/pre_install", post_install = "scripts/post_install", pre_remove = "scripts/pre_remove", post_remove = "scripts/post_remove" }
EOF
  step "upgrade $version" "syspack package --config syspack.toml ($upgrade_pkg $version)" -- \
    "$syspack" package --config "$dir/syspack.toml" --target debian-12,fedora-43 --out "$2/out-$version"
  cp "$work/last.log" "$2/summary-$version"
}

# upgrade_file DIR VERSION TARGET: the package file of that version and target.
upgrade_file() {
  awk -v t="$3" 'NR > 1 && $2 == t { print $1 }' "$1/summary-$2"
}

# check_log RELEASE WHAT ROOT EXPECTED...: the script log equals the expected lines.
check_log() {
  local release=$1 what=$2 root=$3
  shift 3
  printf '%s\n' "$@" >"$work/log.expected"
  cp "$root/var/lib/$upgrade_pkg/log" "$work/log.actual" 2>/dev/null || : >"$work/log.actual"
  expect "$release" "$what" "the script log differs (expected / actual):" -- \
    diff "$work/log.expected" "$work/log.actual"
}

upgrade_tests() {
  local syspack=$1 dir=$2 root d10 d11 r10 r11 v10 v11 conf=/etc/$upgrade_pkg
  mkdir -p "$dir"
  make_upgrade_package "$syspack" "$dir" 1.0
  make_upgrade_package "$syspack" "$dir" 1.1
  d10=$(upgrade_file "$dir" 1.0 debian-12)
  d11=$(upgrade_file "$dir" 1.1 debian-12)
  r10=$(upgrade_file "$dir" 1.0 fedora-43)
  r11=$(upgrade_file "$dir" 1.1 fedora-43)
  if ! { [ -f "$d10" ] && [ -f "$d11" ] && [ -f "$r10" ] && [ -f "$r11" ]; }; then
    die upgrade "find the test packages" "missing: $d10 $d11 $r10 $r11" "$dir/summary-1.1"
  fi

  # -- dpkg ----------------------------------------------------------------------------------
  new_root bookworm
  cp "$d10" "$root/tmp/v10.deb"
  cp "$d11" "$root/tmp/v11.deb"
  v10=$(dpkg-deb -f "$d10" Version)
  v11=$(dpkg-deb -f "$d11" Version)
  step debian-12 "upgrade: dpkg -i $upgrade_pkg $v10" -- chroot "$root" dpkg -i /tmp/v10.deb
  check_log debian-12 "upgrade: install ran preinst install, postinst configure" "$root" \
    "pre_install-1.0(install)" "post_install-1.0(configure,)"
  expect debian-12 "upgrade: both conffiles are registered" "dpkg does not list them as conffiles" -- \
    bash -c '[ "$(chroot "$1" dpkg-query -W -f="\${Conffiles}" "$2" | grep -c "^ /etc/")" = 2 ]' _ "$root" "$upgrade_pkg"
  echo "setting = edited-by-admin" >"$root$conf/edited.conf"
  step debian-12 "upgrade: dpkg -i --force-confold $upgrade_pkg $v11 over $v10" -- \
    chroot "$root" dpkg -i --force-confold /tmp/v11.deb
  expect debian-12 "upgrade: the admin's edit of a conffile is kept" "edited.conf: $(cat "$root$conf/edited.conf")" -- \
    grep -qx "setting = edited-by-admin" "$root$conf/edited.conf"
  expect debian-12 "upgrade: the new conffile is set aside as .dpkg-dist" "no edited.conf.dpkg-dist with 1.1's content" -- \
    grep -qx "setting = shipped-by-1.1" "$root$conf/edited.conf.dpkg-dist"
  expect debian-12 "upgrade: an unedited conffile is upgraded" "untouched.conf: $(cat "$root$conf/untouched.conf")" -- \
    grep -qx "other = shipped-by-1.1" "$root$conf/untouched.conf"
  expect debian-12 "upgrade: the new version's files are installed" "version file not upgraded" -- \
    grep -qx "version = 1.1" "$root/usr/share/$upgrade_pkg/version"
  check_log debian-12 "upgrade: dpkg's order: old prerm, new preinst, old postrm, new postinst" "$root" \
    "pre_install-1.0(install)" "post_install-1.0(configure,)" \
    "pre_remove-1.0(upgrade,$v11)" "pre_install-1.1(upgrade,$v10,$v11)" \
    "post_remove-1.0(upgrade,$v11)" "post_install-1.1(configure,$v10)"
  step debian-12 "upgrade: dpkg -r $upgrade_pkg" -- chroot "$root" dpkg -r "$upgrade_pkg"
  expect debian-12 "upgrade: dpkg -r keeps conffiles, removes the rest" "wrong files after dpkg -r" -- \
    bash -c '[ -f "$1$2/edited.conf" ] && [ ! -e "$1/usr/share/$3/version" ]' _ "$root" "$conf" "$upgrade_pkg"
  step debian-12 "upgrade: dpkg --purge $upgrade_pkg" -- chroot "$root" dpkg --purge "$upgrade_pkg"
  expect debian-12 "upgrade: purge removes the conffiles" "$conf still holds files" -- \
    bash -c '[ ! -e "$1/edited.conf" ] && [ ! -e "$1/untouched.conf" ]' _ "$root$conf"
  check_log debian-12 "upgrade: removal ran prerm remove, postrm remove (purge runs no body)" "$root" \
    "pre_install-1.0(install)" "post_install-1.0(configure,)" \
    "pre_remove-1.0(upgrade,$v11)" "pre_install-1.1(upgrade,$v10,$v11)" \
    "post_remove-1.0(upgrade,$v11)" "post_install-1.1(configure,$v10)" \
    "pre_remove-1.1(remove)" "post_remove-1.1(remove)"
  rm -rf "$root"

  # -- rpm --root ----------------------------------------------------------------------------
  new_root bookworm
  local rpmr=(rpm --root "$root" --dbpath /var/lib/rpm)
  step fedora-43 "upgrade: rpm --root R --initdb" -- "${rpmr[@]}" --initdb
  step fedora-43 "upgrade: the conffiles are %config(noreplace)" -- \
    rpm -qp --qf '[%{FILEFLAGS:fflags} %{FILENAMES}\n]' "$r10"
  expect fedora-43 "upgrade: both /etc files carry flags c and n" "rpm -qp --qf FILEFLAGS:" -- \
    bash -c '[ "$(grep -Ec "^[a-z]*c[a-z]*n[a-z]* /etc/|^[a-z]*n[a-z]*c[a-z]* /etc/" "$1")" = 2 ]' _ "$work/last.log"
  step fedora-43 "upgrade: rpm --root R -i $(basename "$r10")" -- "${rpmr[@]}" -i --nodeps "$r10"
  check_log fedora-43 "upgrade: install ran %pre 1, %post 1" "$root" \
    "pre_install-1.0(1)" "post_install-1.0(1)"
  echo "setting = edited-by-admin" >"$root$conf/edited.conf"
  step fedora-43 "upgrade: rpm --root R -U $(basename "$r11")" -- "${rpmr[@]}" -U --nodeps "$r11"
  expect fedora-43 "upgrade: the admin's edit is kept (%config(noreplace))" "edited.conf: $(cat "$root$conf/edited.conf")" -- \
    grep -qx "setting = edited-by-admin" "$root$conf/edited.conf"
  expect fedora-43 "upgrade: the new version is written as .rpmnew" "no edited.conf.rpmnew with 1.1's content" -- \
    grep -qx "setting = shipped-by-1.1" "$root$conf/edited.conf.rpmnew"
  expect fedora-43 "upgrade: an unedited %config file is upgraded" "untouched.conf: $(cat "$root$conf/untouched.conf")" -- \
    grep -qx "other = shipped-by-1.1" "$root$conf/untouched.conf"
  expect fedora-43 "upgrade: rpm warned about the .rpmnew" "no 'created as .rpmnew' warning" -- \
    grep -q "created as $conf/edited.conf.rpmnew" "$work/last.log"
  step fedora-43 "upgrade: rpm -q shows only 1.1" -- "${rpmr[@]}" -q "$upgrade_pkg"
  expect fedora-43 "upgrade: one instance, version 1.1" "rpm -q:" -- \
    bash -c '[ "$(wc -l <"$1")" = 1 ] && grep -q "^syspack-upgrade-test-1.1-" "$1"' _ "$work/last.log"
  check_log fedora-43 "upgrade: rpm's order: new %pre 2, new %post 2, old %preun/%postun bodies skipped (\$1=1)" "$root" \
    "pre_install-1.0(1)" "post_install-1.0(1)" "pre_install-1.1(2)" "post_install-1.1(2)"
  step fedora-43 "upgrade: rpm --root R -e $upgrade_pkg" -- "${rpmr[@]}" -e "$upgrade_pkg"
  check_log fedora-43 "upgrade: removal ran %preun 0, %postun 0" "$root" \
    "pre_install-1.0(1)" "post_install-1.0(1)" "pre_install-1.1(2)" "post_install-1.1(2)" \
    "pre_remove-1.1(0)" "post_remove-1.1(0)"
  expect fedora-43 "upgrade: rpm -e saved the edited conffile as .rpmsave" "no edited.conf.rpmsave" -- \
    grep -qx "setting = edited-by-admin" "$root$conf/edited.conf.rpmsave"
  rm -rf "$root"
}
