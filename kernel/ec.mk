# Userspace builds of the erasure code (kernel/tee-ec*.c): unit tests under
# ASan + UBSan and the benchmark against ISA-L (`make bench-ec`).
EC_SRCS := kernel/tee-ec.c kernel/tee-ec-generic.c kernel/tee-ec-avx2.c \
	   kernel/tee-ec-avx512.c
EC_OBJS_REL := $(EC_SRCS:%.c=build/obj/%.o)
EC_OBJS_SAN := $(EC_SRCS:%.c=build/san/%.o)

build/obj/kernel/tee-ec-avx2.o build/san/kernel/tee-ec-avx2.o: CFLAGS_EXTRA += -mavx2 $(EC_DEFS)
build/obj/kernel/tee-ec-avx512.o build/san/kernel/tee-ec-avx512.o: \
	CFLAGS_EXTRA += -mavx512f -mavx512vl $(EC_DEFS)
# The generated straight-line encoders exceed gcc's variable-tracking limit
# (-g); it retries without and says so for every function.
$(EC_OBJS_REL) $(EC_OBJS_SAN): CFLAGS_EXTRA += -fno-var-tracking-assignments

build/test/ec-test: build/san/tests/unit/ec-test.o $(EC_OBJS_SAN)
	$(call link_san)

TEST_BINS += build/test/ec-test
UNIT_TESTS += build/test/ec-test

build/bin/bench-ec: build/obj/tools/bench-ec.o $(EC_OBJS_REL)
	$(call link_rel,-lisal -ldl)

# ISAL=<path to an upstream ISA-L build's libisal.so or its build directory>
# measures that ISA-L too, in the same run (README: bench-ec).
.PHONY: bench-ec
bench-ec: build/bin/bench-ec
	build/bin/bench-ec $(if $(ISAL),--isal $(if $(filter %.so %.so.2,$(ISAL)),$(ISAL),$(ISAL)/libisal.so)) $(BENCH_EC_ARGS)

BENCH_TARGETS += bench-ec
build/obj/tools/bench-ec.o: CFLAGS_EXTRA += -mavx512f

# Straight-line encode kernels: generated, committed, checked for staleness.
# The generator links a bootstrap build of the codec without the kernels.
EC_OBJS_GEN := $(EC_SRCS:%.c=build/gen/%.o)
build/gen/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_USER) $(CPPFLAGS_USER) $(CFLAGS_EXTRA) -DTEE_EC_BOOTSTRAP -MMD -MP -c -o $@ $<
build/gen/kernel/tee-ec-avx2.o: CFLAGS_EXTRA += -mavx2
build/gen/kernel/tee-ec-avx512.o: CFLAGS_EXTRA += -mavx512f -mavx512vl
-include $(wildcard build/gen/kernel/*.d)

build/bin/tee-ec-gen: build/obj/tools/tee-ec-gen.o $(EC_OBJS_GEN)
	$(call link_rel)

.PHONY: ec-gen
ec-gen: build/bin/tee-ec-gen
	build/bin/tee-ec-gen -o kernel/tee-ec-enc-gen.h

TEST_BINS += build/bin/tee-ec-gen
UNIT_TESTS += build/bin/tee-ec-gen
