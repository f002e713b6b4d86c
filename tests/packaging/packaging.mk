# DKMS packaging check (no VM, no changes to the machine's DKMS state).
CHECK_SUITES += tests/packaging/dkms-build@$(subst $(eval) ,@,$(strip $(KVERS_CHECK)))
# make install / uninstall into a temporary DESTDIR: files, modes, man pages
# (rendered without warnings), the systemd unit, the example configuration.
CHECK_SUITES += tests/packaging/install-check
