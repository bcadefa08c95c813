package vn.tthc.examples.portal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import io.cloudevents.http.HttpMessageFactory;
import io.cloudevents.jackson.JsonCloudEventData;
import io.cloudevents.jackson.JsonFormat;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

/**
 * A one-stop portal reporting one dossier to the deadline monitor with the CloudEvents Java SDK:
 * its reception in binary content mode (ce-* headers, the data as a JSON body) and its resolution
 * in structured mode (application/cloudevents+json). Intake accepts both; a portal picks one.
 *
 * <p>Exit status: 0 when intake answered 2xx to both, 1 when it answered anything else, 2 on a
 * usage error, 3 when intake could not be reached.
 */
public final class PortalClient {
  static final String RECEIVED = "vn.tthc.dossier.received";
  static final String RESOLVED = "vn.tthc.dossier.resolved";
  static final String SOURCE = "urn:portal:java-example";
  // Portals report local time; the offset keeps the instant unambiguous, which intake requires.
  static final ZoneOffset VIETNAM = ZoneOffset.ofHours(7);

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String USAGE = String.join("\n",
      "usage: java -jar java-portal-client.jar [--intake-url URL] [--api-key KEY] [--dossier-code CODE]",
      "                                        [--agency-code CODE] [--procedure-code CODE]",
      "  --intake-url      intake's base URL (env INTAKE_URL, default http://127.0.0.1:8080, as npm start)",
      "  --api-key         a key with role portal (env API_KEY, default dev-portal-key, npm start's development key)",
      "  --dossier-code    the dossier's code (env DOSSIER_CODE, default: a new TT 04/2025 code of the agency)",
      "  --agency-code     the receiving agency (env AGENCY_CODE, default G01.001.000)",
      "  --procedure-code  the procedure (env PROCEDURE_CODE, default 1.001612)");

  record Options(URI eventsUrl, String apiKey, String dossierCode, String agencyCode, String procedureCode) {
    /** Each option and the environment variable that stands in for it. */
    static final Map<String, String> NAMES = Map.of(
        "intake-url", "INTAKE_URL",
        "api-key", "API_KEY",
        "dossier-code", "DOSSIER_CODE",
        "agency-code", "AGENCY_CODE",
        "procedure-code", "PROCEDURE_CODE");
  }

  static final class UsageError extends Exception {
    UsageError(String message) {
      super(message);
    }
  }

  public static void main(String[] args) {
    System.exit(run(args, System.getenv()));
  }

  static int run(String[] args, Map<String, String> env) {
    Options options;
    try {
      options = parse(args, env);
    } catch (UsageError e) {
      System.err.println(e.getMessage());
      System.err.println(USAGE);
      return 2;
    }
    if (options == null) {
      System.out.println(USAGE);
      return 0;
    }

    OffsetDateTime now = OffsetDateTime.now(VIETNAM).truncatedTo(ChronoUnit.SECONDS);
    // Received an hour ago with the appointment printed on the receipt three days later, and
    // resolved now: on time, so no timer of the deadline monitor fires for this example.
    OffsetDateTime receivedAt = now.minusHours(1);
    OffsetDateTime appointmentAt = receivedAt.plusDays(3);
    String dossierCode = options.dossierCode() != null ? options.dossierCode() : newDossierCode(options.agencyCode(), receivedAt);
    System.out.println("dossier " + dossierCode + " -> " + options.eventsUrl());

    // HTTP/1.1 as intake speaks it: the client's default h2c upgrade offer only adds headers that proxies may refuse.
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    try {
      CloudEvent reception = reception(dossierCode, options, receivedAt, appointmentAt);
      if (!send(http, "reception (binary mode)", binaryRequest(options, reception))) return 1;
      CloudEvent resolution = resolution(dossierCode, options, now);
      if (!send(http, "resolution (structured mode)", structuredRequest(options, resolution))) return 1;
    } catch (IOException e) {
      System.err.println("intake could not be reached at " + options.eventsUrl() + ": " + e);
      return 3;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 3;
    }
    return 0;
  }

  static CloudEvent reception(String dossierCode, Options options, OffsetDateTime receivedAt, OffsetDateTime appointmentAt) {
    ObjectNode data = JSON.createObjectNode()
        .put("dossierCode", dossierCode)
        .put("procedureCode", options.procedureCode())
        .put("agencyCode", options.agencyCode())
        .put("receivedAt", instant(receivedAt))
        .put("appointmentAt", instant(appointmentAt));
    return event(RECEIVED, receivedAt, data);
  }

  static CloudEvent resolution(String dossierCode, Options options, OffsetDateTime resolvedAt) {
    ObjectNode data = JSON.createObjectNode()
        .put("dossierCode", dossierCode)
        .put("agencyCode", options.agencyCode())
        .put("resolvedAt", instant(resolvedAt));
    return event(RESOLVED, resolvedAt, data);
  }

  private static CloudEvent event(String type, OffsetDateTime time, ObjectNode data) {
    // A fresh id per fact: intake answers a repeated (source, id) "duplicate", which makes a
    // portal's retry after a timeout safe as long as the retry reuses the same event.
    return CloudEventBuilder.v1()
        .withId(UUID.randomUUID().toString())
        .withSource(URI.create(SOURCE))
        .withType(type)
        .withTime(time)
        .withData("application/json", JsonCloudEventData.wrap(data))
        .build();
  }

  /** Binary mode, the SDK's default: the binding writes every attribute as a ce-* header and the data as the body. */
  static HttpRequest binaryRequest(Options options, CloudEvent event) {
    HttpRequest.Builder request = newRequest(options);
    HttpMessageFactory.createWriter(request::header, body -> request.POST(HttpRequest.BodyPublishers.ofByteArray(body))).writeBinary(event);
    return request.build();
  }

  /** Structured mode: the whole event is one JSON document, written by the SDK's Jackson event format. */
  static HttpRequest structuredRequest(Options options, CloudEvent event) {
    HttpRequest.Builder request = newRequest(options);
    HttpMessageFactory.createWriter(request::header, body -> request.POST(HttpRequest.BodyPublishers.ofByteArray(body))).writeStructured(event, JsonFormat.CONTENT_TYPE);
    return request.build();
  }

  private static HttpRequest.Builder newRequest(Options options) {
    // Intake answers only after Kafka acknowledged, and gives up on Kafka after 8 s by default.
    return HttpRequest.newBuilder(options.eventsUrl()).timeout(Duration.ofSeconds(15)).header("Authorization", "Bearer " + options.apiKey());
  }

  /** Prints intake's answer as it came; true when it is 2xx. */
  private static boolean send(HttpClient http, String label, HttpRequest request) throws IOException, InterruptedException {
    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
    System.out.println(label + " HTTP " + response.statusCode() + " " + response.body());
    boolean ok = response.statusCode() / 100 == 2;
    if (!ok) System.err.println("intake refused the " + label + " with HTTP " + response.statusCode());
    return ok;
  }

  /** TT 04/2025 shape, agency-YYMMDD-sequence: intake checks that the key covers the agency the code names. */
  static String newDossierCode(String agencyCode, OffsetDateTime receivedAt) {
    String day = receivedAt.format(DateTimeFormatter.ofPattern("yyMMdd"));
    String sequence = UUID.randomUUID().toString().replace("-", "").substring(0, 8).toUpperCase(Locale.ROOT);
    return agencyCode + "-" + day + "-" + sequence;
  }

  /** ISO 8601 with seconds always written: OffsetDateTime.toString drops ":00" seconds, which intake refuses. */
  static String instant(OffsetDateTime time) {
    return DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(time);
  }

  /** The options from arguments, then the environment, then npm start's defaults; null when help was asked. */
  static Options parse(String[] args, Map<String, String> env) throws UsageError {
    Map<String, String> given = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("--help") || arg.equals("-h")) return null;
      if (!arg.startsWith("--")) throw new UsageError("unexpected argument " + arg);
      int eq = arg.indexOf('=');
      String name = eq > 0 ? arg.substring(2, eq) : arg.substring(2);
      String value;
      if (eq > 0) value = arg.substring(eq + 1);
      else if (i + 1 < args.length) value = args[++i];
      else throw new UsageError("--" + name + " needs a value");
      if (!Options.NAMES.containsKey(name)) throw new UsageError("unknown option --" + name);
      given.put(name, value);
    }
    Function<String, String> option = name -> {
      String value = given.get(name);
      if (value == null) value = env.get(Options.NAMES.get(name));
      return value == null || value.isBlank() ? null : value.trim();
    };
    String base = orDefault(option.apply("intake-url"), "http://127.0.0.1:8080").replaceAll("/+$", "");
    URI eventsUrl;
    try {
      eventsUrl = URI.create(base.endsWith("/v1/events") ? base : base + "/v1/events");
    } catch (IllegalArgumentException e) {
      throw new UsageError("--intake-url is not a URL: " + base);
    }
    if (eventsUrl.getScheme() == null || !eventsUrl.getScheme().startsWith("http")) throw new UsageError("--intake-url must be an http(s) URL: " + base);
    return new Options(
        eventsUrl,
        orDefault(option.apply("api-key"), "dev-portal-key"),
        option.apply("dossier-code"),
        orDefault(option.apply("agency-code"), "G01.001.000"),
        orDefault(option.apply("procedure-code"), "1.001612"));
  }

  private static String orDefault(String value, String fallback) {
    return value != null ? value : fallback;
  }

  private PortalClient() {}
}
