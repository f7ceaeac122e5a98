internal import CHDF5

/// Groups and the links inside them.
extension HDF5File {
    /// Creates the group and any missing parents ("a/b/c"). An existing group is left as is.
    public func createGroup(_ group: String) throws {
        let file = try enterForWriting(.group, group)
        let name = Self.normalized(group)
        if let kind = try objectKind(name) {
            guard kind == .group else { throw error(.group, name, "exists and is a \(kind.rawValue), not a group") }
            return
        }
        let linkList = try linkCreationList(for: name, kind: .group)
        defer { H5Pclose(linkList) }
        let creation = try Self.untimedCreationList(hfrnn_H5P_GROUP_CREATE(), file: path, kind: .group, object: name)
        defer { H5Pclose(creation) }
        let groupID = try check(H5Gcreate2(file, name, linkList, creation, hfrnn_H5P_DEFAULT()),
                                .group, name, "cannot create group")
        H5Gclose(groupID)
    }

    /// Whether `path` names an existing object (group, dataset, ...). "/" always exists.
    public func exists(_ path: String) throws -> Bool {
        let file = try enter()
        let name = Self.normalized(path)
        // H5Lexists fails (rather than answering false) when a parent is missing: walk down. A
        // failure because a checksum did not match is damage, not absence.
        guard try allHardLinksExist(to: name, .object) else { return false }
        let found = H5Oexists_by_name(file, name, hfrnn_H5P_DEFAULT())
        if found < 0 { try throwIfDamaged(.object, name) }
        return found > 0
    }

    /// Walks the links of `name` from the root: false at the first that is missing, true when all
    /// exist. Throws on damage, and at any link but a hard one: HDF5 would follow an external link
    /// to another file, whose data this file's content hash and checksums do not cover (and a soft
    /// link may lead to one).
    func allHardLinksExist(to name: String, _ kind: HDF5Error.ObjectKind) throws -> Bool {
        let file = try enter()
        var prefix = ""
        for component in name.split(separator: "/") {
            prefix += "/" + component
            let found = H5Lexists(file, prefix, hfrnn_H5P_DEFAULT())
            if found < 0 { try throwIfDamaged(.object, prefix) }
            if found <= 0 { return false }
            let type = hfrnn_link_type(file, prefix)
            if type < 0 {
                try throwIfDamaged(.object, prefix)
                throw error(kind, name, "cannot read the link \(prefix)")
            }
            guard type == H5L_TYPE_HARD.rawValue else {
                let link = type == H5L_TYPE_SOFT.rawValue ? "a soft link" : type == H5L_TYPE_EXTERNAL.rawValue
                    ? "an external link to another file" : "a user-defined link"
                throw error(kind, name, "\(prefix == name ? "is" : "lies under \(prefix), which is") \(link), "
                            + "which hfrnn does not follow; store the data itself under that name (h5py: f[name] = values)")
            }
        }
        return true
    }

    /// Names of the links in `group`, sorted.
    public func children(of group: String = "/") throws -> [String] {
        let file = try enter()
        let name = Self.normalized(group)
        _ = try allHardLinksExist(to: name, .group)
        let groupID = H5Gopen2(file, name, hfrnn_H5P_DEFAULT())
        guard groupID >= 0 else { throw try diagnoseOpenFailure(name, expected: .group) }
        defer { H5Gclose(groupID) }
        var info = H5G_info_t()
        try check(H5Gget_info(groupID, &info), .group, name, "cannot read group info")
        var names: [String] = []
        for index in 0..<info.nlinks {
            names.append(try fetchString(.group, name, "cannot read link name") { buffer, size in
                Int(H5Lget_name_by_idx(groupID, ".", H5_INDEX_NAME, H5_ITER_INC, index, buffer, size,
                                       hfrnn_H5P_DEFAULT()))
            })
        }
        return names.sorted()
    }
}
