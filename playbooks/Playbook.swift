import Resources

/// Every role an inventory can assign, by name.
///
/// To add a role, write it in a file of its own in this folder and list it here.
/// The compiler checks every resource; `converge` refuses an inventory naming a
/// role that is not in this list.
public enum Playbook {
    public static let roles: [Role] = [base, baseDefaults, labApp]

    public static func role(named name: String) -> Role? {
        roles.first { $0.name == name }
    }
}
