// An in-memory MongoDB-wire server for tests and the demo. The stock main class reports wire
// version 8, which the driver in mongoose 9 refuses, so this launcher reports MongoDB 7.0 (wire 21).
// Usage: java -cp 'lib/*' MongoTestServer.java <port>   (0 picks a free port; prints "listening <port>")
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.MongoVersion;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.util.List;

public class MongoTestServer {
  public static void main(String[] args) throws Exception {
    MongoVersion v7 = new MongoVersion() {
      public List<Integer> getVersionArray() { return List.of(7, 0, 0); }
      public int getWireVersion() { return 21; }
    };
    MongoServer server = new MongoServer(new MemoryBackend().version(v7));
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 0;
    server.bind("127.0.0.1", port);
    System.out.println("listening " + server.getLocalAddress().getPort());
    System.out.flush();
    Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownNow));
    Thread.currentThread().join();
  }
}
