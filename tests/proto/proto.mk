# Protocol tests on loopback with real (sanitizer-built) teedisk processes.
CHECK_SUITES += tests/proto/run
TEST_BINS += build/test/teedisk-san build/test/teedisk-client-san
