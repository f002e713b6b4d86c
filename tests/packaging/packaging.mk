# DKMS packaging check (no VM, no changes to the machine's DKMS state).
CHECK_SUITES += tests/packaging/dkms-build@$(subst $(eval) ,@,$(strip $(KVERS_CHECK)))
