//! HTTPS without process-wide state: building an `ivvy::Client` installs
//! no default rustls provider, and other reqwest clients in the program,
//! built before and after it, make HTTPS handshakes to a local server just
//! the same. (Its own file, so its process holds nothing another test set.)

#![cfg(feature = "tls-ring")]

use std::sync::Arc;

use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A self-signed certificate for 127.0.0.1, valid for 100 years, made for
/// this test with openssl (P-256).
const CERT: &[u8] = include_bytes!("data/test-cert.pem");
const KEY: &[u8] = include_bytes!("data/test-key.pem");

fn ring() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn cert() -> CertificateDer<'static> {
    CertificateDer::from_pem_slice(CERT).expect("the test certificate parses")
}

/// Serves `HTTP/1.1 200 ok` over TLS to every connection, on 127.0.0.1.
async fn https_server() -> u16 {
    let key = PrivateKeyDer::from_pem_slice(KEY).expect("the test key parses");
    let config = rustls::ServerConfig::builder_with_provider(ring())
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_no_client_auth()
        .with_single_cert(vec![cert()], key)
        .expect("server config");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let port = listener.local_addr().expect("address").port();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut buf = [0_u8; 4096];
                let _ = tls.read(&mut buf).await;
                let _ = tls
                    .write_all(
                        b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok",
                    )
                    .await;
                let _ = tls.shutdown().await;
            });
        }
    });
    port
}

/// Another part of the program's own reqwest client: its own rustls
/// configuration, trusting the test certificate.
fn other_client() -> reqwest::Client {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert()).expect("adds the root");
    let config = rustls::ClientConfig::builder_with_provider(ring())
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    reqwest::Client::builder()
        .tls_backend_preconfigured(config)
        .build()
        .expect("the other client builds")
}

async fn handshake(client: &reqwest::Client, port: u16) -> String {
    client
        .get(format!("https://127.0.0.1:{port}/"))
        .send()
        .await
        .expect("an HTTPS handshake and a reply")
        .text()
        .await
        .expect("a body")
}

#[tokio::test]
async fn an_ivvy_client_leaves_other_https_clients_as_they_were() {
    let port = https_server().await;
    assert!(
        CryptoProvider::get_default().is_none(),
        "nothing installed yet"
    );
    let before = other_client();
    assert_eq!(handshake(&before, port).await, "ok");

    let ivvy = ivvy::Client::builder()
        .base_url(format!("https://127.0.0.1:{port}"))
        .credentials("key", "secret")
        .build()
        .expect("the ivvy client builds");
    // Its own HTTPS client works too, and checks certificates: the test
    // certificate is in no platform store, so the handshake is refused.
    let error = ivvy.ping().await.expect_err("an untrusted certificate");
    assert!(matches!(error, ivvy::Error::Connect { .. }), "{error}");
    assert!(
        CryptoProvider::get_default().is_none(),
        "building an ivvy client installs no process-wide provider"
    );

    let after = other_client();
    assert_eq!(handshake(&after, port).await, "ok");
    assert_eq!(handshake(&before, port).await, "ok");
    let builder = ivvy::http_client_builder().expect("TLS is set up");
    builder
        .build()
        .expect("ivvy's builder builds a plain client too");
    assert!(CryptoProvider::get_default().is_none());
}
