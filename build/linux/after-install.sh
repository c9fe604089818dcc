#!/bin/bash
# electron-builder 26.18.1's templates/linux/after-install.tpl (a custom afterInstall replaces it,
# so its steps are kept as they are), followed by Portolan's capture helper step at the end.

if type update-alternatives >/dev/null 2>&1; then
    # Remove previous link if it doesn't use update-alternatives
    if [ -L '/usr/bin/${executable}' -a -e '/usr/bin/${executable}' -a "`readlink '/usr/bin/${executable}'`" != '/etc/alternatives/${executable}' ]; then
        rm -f '/usr/bin/${executable}'
    fi
    update-alternatives --install '/usr/bin/${executable}' '${executable}' '/opt/${sanitizedProductName}/${executable}' 100 || ln -sf '/opt/${sanitizedProductName}/${executable}' '/usr/bin/${executable}'
else
    ln -sf '/opt/${sanitizedProductName}/${executable}' '/usr/bin/${executable}'
fi

# Check if user namespaces are supported by the kernel and working with a quick test:
if ! { [[ -L /proc/self/ns/user ]] && unshare --user true; }; then
    # Use SUID chrome-sandbox only on systems without user namespaces:
    chmod 4755 '/opt/${sanitizedProductName}/chrome-sandbox' || true
else
    chmod 0755 '/opt/${sanitizedProductName}/chrome-sandbox' || true
fi

if hash update-mime-database 2>/dev/null; then
    update-mime-database /usr/share/mime || true
fi

if hash update-desktop-database 2>/dev/null; then
    update-desktop-database /usr/share/applications || true
fi

# Install apparmor profile. (Ubuntu 24+)
# First check if the version of AppArmor running on the device supports our profile.
# This is in order to keep backwards compatibility with Ubuntu 22.04 which does not support abi/4.0.
# In that case, we just skip installing the profile since the app runs fine without it on 22.04.
#
# Those apparmor_parser flags are akin to performing a dry run of loading a profile.
# https://wiki.debian.org/AppArmor/HowToUse#Dumping_profiles
#
# Unfortunately, at the moment AppArmor doesn't have a good story for backwards compatibility.
# https://askubuntu.com/questions/1517272/writing-a-backwards-compatible-apparmor-profile
if apparmor_status --enabled > /dev/null 2>&1; then
  APPARMOR_PROFILE_SOURCE='/opt/${sanitizedProductName}/resources/apparmor-profile'
  APPARMOR_PROFILE_TARGET='/etc/apparmor.d/${executable}'
  if apparmor_parser --skip-kernel-load --debug "$APPARMOR_PROFILE_SOURCE" > /dev/null 2>&1; then
    cp -f "$APPARMOR_PROFILE_SOURCE" "$APPARMOR_PROFILE_TARGET"

    # Updating the current AppArmor profile is not possible and probably not meaningful in a chroot'ed environment.
    # Use cases are for example environments where images for clients are maintained.
    # There, AppArmor might correctly be installed, but live updating makes no sense.
    if ! { [ -x '/usr/bin/ischroot' ] && /usr/bin/ischroot; } && hash apparmor_parser 2>/dev/null; then
      # Extra flags taken from dh_apparmor:
      # > By using '-W -T' we ensure that any abstraction updates are also pulled in.
      # https://wiki.debian.org/AppArmor/Contribute/FirstTimeProfileImport
      apparmor_parser --replace --write-cache --skip-read-cache "$APPARMOR_PROFILE_TARGET"
    fi
  else
    echo "Skipping the installation of the AppArmor profile as this version of AppArmor does not seem to support the bundled profile"
  fi
fi

# --- Portolan: capture rights for the capture helper only (docs/capture.md) -----------
# The helper (a small launcher that runs only the capture child, build/linux/
# portolan-capture.c) gets cap_net_raw,cap_net_admin; the app's own executable gets
# nothing. Only root and the portolan-capture group may run the helper, as only the
# wireshark group may run Wireshark's dumpcap. Add the analysts who may capture:
#   sudo usermod -aG portolan-capture USER    (then log in again)
PORTOLAN_HELPER='/opt/${sanitizedProductName}/portolan-capture'
if [ -f "$PORTOLAN_HELPER" ]; then
    groupadd -f -r portolan-capture 2>/dev/null || addgroup --system portolan-capture 2>/dev/null || true
    if getent group portolan-capture >/dev/null 2>&1; then
        chown root:portolan-capture "$PORTOLAN_HELPER" && chmod 0750 "$PORTOLAN_HELPER"
    fi
    if command -v setcap >/dev/null 2>&1 && setcap cap_net_raw,cap_net_admin=eip "$PORTOLAN_HELPER"; then
        echo "Portolan: users in the portolan-capture group may capture without root (sudo usermod -aG portolan-capture USER, then log in again)"
    else
        echo "Portolan: could not grant capture rights; live capture needs root until: sudo setcap cap_net_raw,cap_net_admin=eip $PORTOLAN_HELPER"
    fi
fi
