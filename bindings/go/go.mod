// SPDX-License-Identifier: BSD-3-Clause

module github.com/libhashmatch/libhashmatch/bindings/go

go 1.19
