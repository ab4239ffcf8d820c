import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import OATHServer
import Testing
import TokenDomain

/// The web page in process: escaping by construction, the sign-in redirect and its `next`, the
/// cross-site and CSRF guards of forms. (The browser tests in `make test` drive the page itself.)
@Suite struct PageTests {
    @Test func interpolatedTextIsEscapedAndOnlyHTMLIsMarkup() {
        let name = #"<script>alert("x")</script> & 'q'"#
        let page: HTML = "<p>\(name)</p>\("<b>bold</b>" as HTML)"
        #expect(page.text == "<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;</p><b>bold</b>")
    }

    @Test func signInGoesBackOnlyToAPathOnThisSite() {
        #expect(APIServer.localPath("/tokens/T1") == "/tokens/T1")
        for hostile in ["//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)", "/a\nb", nil] {
            #expect(APIServer.localPath(hostile) == "/", "\(String(describing: hostile))")
        }
    }

    @Test func pagesNeedASessionAndFormsTheirToken() async throws {
        let api = try await APIFixture(.sqlite)
        try await api.store.importText(ServiceFixture.file([("helga@contoso.com", "T1", ServiceFixture.secret())]))
        try await api.run { client in
            let anonymous = try await client.execute(uri: "/tokens/T1", method: .get)
            #expect(anonymous.status == .seeOther && anonymous.headers[.location] == "/login?next=/tokens/T1")
            let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
            let login = try await client.execute(uri: "/login", method: .post, headers: form,
                                                 body: ByteBuffer(string: "name=helpdesk-person&password=a+long+enough+password&next=%2Ftokens%2FT1"))
            #expect(login.status == .seeOther && login.headers[.location] == "/tokens/T1")
            let session = String(try #require(login.headers[.setCookie]).split(separator: ";")[0])
            let card = try await client.execute(uri: "/tokens/T1", method: .get, headers: [.cookie: session])
            #expect(card.status == .ok && String(buffer: card.body).contains("id=\"token-card\""))
            #expect(card.headers[.contentSecurityPolicy] == "default-src 'self'" && card.headers[.cacheControl] == "no-store")
            var post = form
            post[.cookie] = session
            let stale = try await client.execute(uri: "/tokens/T1/unlock", method: .post, headers: post, body: ByteBuffer(string: "csrf=0"))
            #expect(stale.status == .forbidden && String(buffer: stale.body).contains("this form is stale"))
            post[HTTPField.Name("Sec-Fetch-Site")!] = "cross-site"
            let crossSite = try await client.execute(uri: "/login", method: .post, headers: post,
                                                     body: ByteBuffer(string: "name=helpdesk-person&password=a+long+enough+password"))
            #expect(crossSite.status == .forbidden)
            let admin = try await client.execute(uri: "/operators", method: .get, headers: [.cookie: session])
            #expect(admin.status == .forbidden && String(buffer: admin.body).contains("Not for your role"))
        }
    }
}
