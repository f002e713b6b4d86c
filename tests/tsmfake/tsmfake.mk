# ta-tsm-fake: plays the kernel's part of a configfs-tsm report tree over
# tmpfs (fanotify open-permission events), for VM test 090 (issue 21).
build/bin/ta-tsm-fake: build/obj/tests/tsmfake/ta-tsm-fake.o
	$(call link_rel,)

VM_PROGS += build/bin/ta-tsm-fake
TEST_BINS += build/bin/ta-tsm-fake
