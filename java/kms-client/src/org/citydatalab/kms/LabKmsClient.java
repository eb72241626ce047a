package org.citydatalab.kms;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Base64;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.crypto.KeyAccessDeniedException;
import org.apache.parquet.crypto.ParquetCryptoRuntimeException;
import org.apache.parquet.crypto.keytools.KmsClient;

/**
 * Parquet's KMS client for Spark: every wrap and unwrap is a call to the City Data Lab's key
 * service, so executors never hold a master key, only the data keys of the files they read.
 *
 * <p>Configured by Parquet's properties: {@code parquet.encryption.kms.instance.url} (the lab's
 * key service) and {@code parquet.encryption.key.access.token} (a short-lived token the lab
 * issued for one table version). The routes are those of {@code lab/crypto/kms_server.py}.
 * Over HTTPS it trusts the JVM's trust store, or only the PEM CA certificates given as
 * {@code datalab.kms.trusted.ca.pem} (the lab passes them with each read).
 */
public final class LabKmsClient implements KmsClient {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final String TRUSTED_CA_PEM = "datalab.kms.trusted.ca.pem";

  private HttpClient http;
  private String url;
  private String token;

  @Override
  public void initialize(
      Configuration configuration, String kmsInstanceId, String kmsInstanceUrl, String accessToken)
      throws KeyAccessDeniedException {
    if (kmsInstanceUrl == null || KMS_INSTANCE_URL_DEFAULT.equals(kmsInstanceUrl)) {
      throw new ParquetCryptoRuntimeException(
          "set parquet.encryption.kms.instance.url to the lab's key service");
    }
    if (accessToken == null || KEY_ACCESS_TOKEN_DEFAULT.equals(accessToken)) {
      throw new KeyAccessDeniedException(
          "set parquet.encryption.key.access.token to a token the lab issued");
    }
    this.url = kmsInstanceUrl.replaceAll("/+$", "");
    this.token = accessToken;
    HttpClient.Builder builder =
        HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(TIMEOUT);
    String trustedCa = configuration.getTrimmed(TRUSTED_CA_PEM, "");
    if (!trustedCa.isEmpty()) {
      builder.sslContext(trusting(trustedCa));
    }
    this.http = builder.build();
  }

  /** A TLS context that trusts exactly the CA certificates in {@code pem}. */
  private static SSLContext trusting(String pem) {
    try {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      int index = 0;
      CertificateFactory x509 = CertificateFactory.getInstance("X.509");
      byte[] bytes = pem.getBytes(StandardCharsets.US_ASCII);
      for (Certificate ca : x509.generateCertificates(new ByteArrayInputStream(bytes))) {
        store.setCertificateEntry("lab-ca-" + index++, ca);
      }
      TrustManagerFactory trust =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(store);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, trust.getTrustManagers(), null);
      return context;
    } catch (GeneralSecurityException | IOException error) {
      throw new ParquetCryptoRuntimeException(
          TRUSTED_CA_PEM + " does not hold PEM CA certificates", error);
    }
  }

  @Override
  public String wrapKey(byte[] keyBytes, String masterKeyIdentifier)
      throws KeyAccessDeniedException {
    ObjectNode body = JSON.createObjectNode();
    body.put("master_key", masterKeyIdentifier);
    body.put("key", Base64.getEncoder().encodeToString(keyBytes));
    return call("wrap", body).path("wrapped").asText();
  }

  @Override
  public byte[] unwrapKey(String wrappedKey, String masterKeyIdentifier)
      throws KeyAccessDeniedException {
    ObjectNode body = JSON.createObjectNode();
    body.put("master_key", masterKeyIdentifier);
    body.put("wrapped", wrappedKey);
    return Base64.getDecoder().decode(call("unwrap", body).path("key").asText());
  }

  private JsonNode call(String route, ObjectNode body) throws KeyAccessDeniedException {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(url + "/v1/" + route))
            .timeout(TIMEOUT)
            .header("Authorization", "Bearer " + token)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
            .build();
    HttpResponse<String> response;
    JsonNode answer;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofString());
      answer = JSON.readTree(response.body());
    } catch (IOException error) {
      throw new ParquetCryptoRuntimeException("the lab's key service cannot be reached", error);
    } catch (InterruptedException error) {
      Thread.currentThread().interrupt();
      throw new ParquetCryptoRuntimeException("interrupted calling the lab's key service", error);
    }
    int status = response.statusCode();
    if (status == 200) {
      return answer;
    }
    String message = answer.path("error").path("message").asText("status " + status);
    if (status == 401 || status == 403) {
      throw new KeyAccessDeniedException("the lab's key service refused to " + route + ": " + message);
    }
    throw new ParquetCryptoRuntimeException(
        "the lab's key service failed to " + route + ": " + message);
  }
}
