# register.cmake — the fuzzers in `make test` (included by the host build): fuzz.build builds them with clang
# (tests/fuzz/build.sh, once per run, before any of them), then each runs its regression inputs and fuzzes for 20 s.
# `make fuzz` runs each for longer (docs/security.md).
set(TESSERA_FUZZ_DIR ${CMAKE_BINARY_DIR}/fuzz)
add_test(NAME fuzz.build COMMAND bash ${CMAKE_SOURCE_DIR}/tests/fuzz/build.sh ${TESSERA_FUZZ_DIR})
set_tests_properties(fuzz.build PROPERTIES FIXTURES_SETUP fuzzers TIMEOUT 1200)
foreach(name system_file packed_sdk packed_boot vm_layout vgic)
    add_test(NAME fuzz.${name} COMMAND bash ${CMAKE_SOURCE_DIR}/tests/fuzz/run.sh ${name} 20 ${TESSERA_FUZZ_DIR}
        ${TESSERA_TARGET_DIR})
    set_tests_properties(fuzz.${name} PROPERTIES FIXTURES_REQUIRED fuzzers TIMEOUT 300 ENVIRONMENT TESSERA_FUZZ_SEED=1)
endforeach()
