/// The Entra rule every path enforces: a user holds at most five OATH tokens or authenticator apps
/// together. The one definition; the import's file rules, the store's checks and its triggers use it.
public enum MethodLimit {
    public static let perUser = 5
}
