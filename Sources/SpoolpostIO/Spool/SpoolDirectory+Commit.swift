import Glibc

extension SpoolDirectory {
    /// Makes many transactions durable together (group commit), with the guarantees of doing each alone.
    ///
    /// 1. Every write goes to a temporary file beside its target (no fsync yet).
    /// 2. The data becomes durable with one `syncfs` for the batch, or one `fsync` when there is a single file.
    /// 3. Per transaction, in order: temporaries are renamed over their names, moves are made with
    ///    `RENAME_NOREPLACE`, removals are unlinked. A failing step fails its transaction and skips its remaining
    ///    steps; other transactions carry on.
    /// 4. Every folder that changed is fsynced once.
    ///
    /// Throws `SpoolFatalError` when `fsync`/`syncfs` fails: what is on disk is then unknown and the daemon must stop.
    public func commit(_ transactions: [SpoolTransaction]) throws(SpoolFatalError) -> [SpoolTransactionResult] {
        var results = [SpoolTransactionResult](repeating: .committed, count: transactions.count)
        var temporaries = [[String]](repeating: [], count: transactions.count)
        let totalWrites = transactions.reduce(0) { $0 + $1.writes.count }
        var singleFileFD: Int32 = -1
        var temporaryCount = 0

        // 1. Temporary files.
        for (index, transaction) in transactions.enumerated() {
            if let problem = invalidName(in: transaction) {
                results[index] = .failed(problem)
                continue
            }
            for write in transaction.writes {
                let temporary = nextTemporaryName(for: write.name)
                switch writeTemporary(write, temporary, keepOpen: totalWrites == 1) {
                case .success(let fd):
                    temporaries[index].append(temporary)
                    temporaryCount += 1
                    if fd >= 0 { singleFileFD = fd }
                case .failure(let error):
                    results[index] = .failed(error)
                }
                if results[index].error != nil { break }
            }
            if results[index].error != nil {
                for (write, temporary) in zip(transaction.writes, temporaries[index]) {
                    unlinkat(fd(write.state), temporary, 0)
                }
                temporaryCount -= temporaries[index].count
                temporaries[index] = []
            }
        }

        // 2. Data durable before any name points at it.
        if singleFileFD >= 0 {
            let failed = LinuxCalls.retryingOnInterrupt { fsync(singleFileFD) } != 0
            let code = errno
            close(singleFileFD)
            if failed, temporaryCount > 0 {
                let write = transactions.first { !$0.writes.isEmpty }?.writes.first
                throw .system("fsync", write.map { path($0.state, $0.name) } ?? root, errno: code)
            }
        } else if temporaryCount > 0 {
            if LinuxCalls.retryingOnInterrupt({ LinuxCalls.syncfs(rootFD) }) != 0 {
                throw .system("syncfs the filesystem of", root, errno: errno)
            }
        }

        // 3. Names.
        var changedFolders = [Bool](repeating: false, count: SpoolState.allCases.count)
        for (index, transaction) in transactions.enumerated() where results[index].error == nil {
            if let error = applyNames(transaction, temporaries[index], &changedFolders) {
                results[index] = .failed(error)
            }
        }

        // 4. Folder entries durable.
        for state in SpoolState.allCases where changedFolders[state.index] {
            if LinuxCalls.retryingOnInterrupt({ fsync(fd(state)) }) != 0 {
                throw .system("fsync spool folder", "\(root)/\(state.rawValue)", errno: errno)
            }
        }
        return results
    }

    /// Renames, moves and removals of one transaction; returns the error of the first step that failed.
    private func applyNames(
        _ transaction: SpoolTransaction, _ temporaries: [String], _ changedFolders: inout [Bool]
    ) -> SpoolError? {
        for (position, (write, temporary)) in zip(transaction.writes, temporaries).enumerated() {
            let folder = fd(write.state)
            let replaced = openToRelease(folder, write.name)
            defer { if replaced >= 0 { deferredCloser.close(replaced) } }
            if LinuxCalls.retryingOnInterrupt({ renameat(folder, temporary, folder, write.name) }) != 0 {
                let error = SpoolError.system("replace", path(write.state, write.name), errno: errno)
                for (laterWrite, laterTemporary) in zip(transaction.writes, temporaries).dropFirst(position) {
                    unlinkat(fd(laterWrite.state), laterTemporary, 0)
                }
                return error
            }
            changedFolders[write.state.index] = true
        }
        for move in transaction.moves {
            let result = LinuxCalls.retryingOnInterrupt {
                LinuxCalls.renameat2(fd(move.from), move.name, fd(move.to), move.newName, LinuxCalls.renameNoReplace)
            }
            if result != 0 {
                let code = errno
                let description = "move \(path(move.from, move.name)) to"
                switch code {
                case EEXIST:
                    return .system(description, path(move.to, move.newName), errno: code, kind: .destinationExists)
                case ENOENT:
                    return .system(description, path(move.to, move.newName), errno: code, kind: .sourceMissing)
                default:
                    return .system(description, path(move.to, move.newName), errno: code)
                }
            }
            changedFolders[move.from.index] = true
            changedFolders[move.to.index] = true
        }
        for removal in transaction.removals {
            let removed = openToRelease(fd(removal.state), removal.name)
            defer { if removed >= 0 { deferredCloser.close(removed) } }
            if unlinkat(fd(removal.state), removal.name, 0) == 0 {
                changedFolders[removal.state.index] = true
            } else if errno != ENOENT {
                return .system("remove", path(removal.state, removal.name), errno: errno)
            }
        }
        return nil
    }

    /// A descriptor on the file about to be replaced or removed, so the kernel frees it at our (deferred) close
    /// rather than inside the rename or unlink; -1 when there is nothing to hold.
    private func openToRelease(_ folder: Int32, _ name: String) -> Int32 {
        openat(folder, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
    }

    /// Writes `write.bytes` to a new temporary file; returns its descriptor when `keepOpen`, else -1.
    private func writeTemporary(
        _ write: SpoolTransaction.Write, _ temporary: String, keepOpen: Bool
    ) -> Result<Int32, SpoolError> {
        let folder = fd(write.state)
        let target = path(write.state, write.name)
        let fd = openat(folder, temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, write.mode)
        guard fd >= 0 else { return .failure(.system("create a temporary file for", target, errno: errno)) }
        func fail(_ operation: String, _ code: Int32) -> Result<Int32, SpoolError> {
            close(fd)
            unlinkat(folder, temporary, 0)
            return .failure(.system(operation, target, errno: code))
        }
        // The umask must not change the mode asked for.
        if fchmod(fd, write.mode) != 0 { return fail("set the mode of", errno) }
        var offset = 0
        while offset < write.bytes.count {
            let count = write.bytes.withUnsafeBytes { buffer in
                Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
            }
            if count < 0 {
                if errno == EINTR { continue }
                return fail("write", errno)
            }
            offset += count
        }
        if keepOpen { return .success(fd) }
        close(fd)
        return .success(-1)
    }

    private func invalidName(in transaction: SpoolTransaction) -> SpoolError? {
        let names = transaction.writes.map { ($0.state, $0.name) } + transaction.moves.map { ($0.from, $0.name) }
            + transaction.moves.map { ($0.to, $0.newName) } + transaction.removals.map { ($0.state, $0.name) }
        for (state, name) in names where !SpoolNames.isValidEntryName(name) {
            return SpoolError(.invalidName, "\(path(state, name)) is not a valid entry name")
        }
        return nil
    }
}
