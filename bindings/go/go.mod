module github.com/libhashmatch/libhashmatch/bindings/go

go 1.19
