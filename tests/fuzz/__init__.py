"""The input fuzzer: damaged scenario files and traces fed to the loader, importer, engine and GUI."""
