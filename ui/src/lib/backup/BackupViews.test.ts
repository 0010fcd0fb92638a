import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { locale } from "svelte-i18n";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { BackupEntry, BackupStatus } from "../bindings";
import { AppError } from "../errors";
import { setupI18n } from "../i18n";
import StatusBar from "../market/StatusBar.svelte";
import Welcome from "../catalogue/Welcome.svelte";
import Backups from "./Backups.svelte";
import RestoreDialog from "./RestoreDialog.svelte";

const mocks = vi.hoisted(() => ({
  status: null as unknown,
  list: [] as unknown[],
  restore: vi.fn(),
  configure: vi.fn(),
  recover: vi.fn(),
  describe: vi.fn(),
}));

vi.mock("../api", () => ({
  api: {
    marketStatus: () => Promise.resolve(null),
    syncNow: () => Promise.resolve(),
    backupStatus: () => Promise.resolve(mocks.status),
    backupList: () => Promise.resolve(mocks.list),
    backupConfig: () => Promise.resolve({ destination: null, encrypt_destination: false }),
    backupConfigure: mocks.configure,
    backupRestore: mocks.restore,
    backupNow: vi.fn(),
    backupDescribe: mocks.describe,
    pickFolder: () => Promise.resolve("/media/cle/Comptoir-sauvegardes/b1"),
    recoverWarning: () => Promise.resolve("Les commandes et les photos originales ne sont pas récupérées."),
    recoverFromMarketplace: mocks.recover,
  },
}));

const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000 - 60_000).toISOString();

function status(over: Partial<BackupStatus> = {}): BackupStatus {
  return {
    last_backup_at: hoursAgo(3),
    last_backup_path: "/backups/1",
    hours_since_last: 3,
    days_since_last: 0,
    overdue: false,
    daily_due: false,
    destination: null,
    ...over,
  };
}

const entry: BackupEntry = {
  id: "b1",
  path: "/backups/b1",
  local: true,
  created_at: new Date(2026, 11, 3, 14, 5).toISOString(),
  reason: "before_import",
  encrypted: true,
  schema_version: 7,
  counts: { products: 120, published_products: 100, variants: 140, categories: 9, photos: 310, orders: 42 },
  database_bytes: 2_000_000,
  photo_bytes: 10_400_000,
};

beforeAll(() => {
  setupI18n();
  locale.set("fr");
});
beforeEach(() => {
  mocks.status = status();
  mocks.list = [entry];
  mocks.restore.mockReset();
  mocks.configure.mockReset();
});
afterEach(cleanup);

describe("the backups screen", () => {
  it("says how old the last backup is and lists the backups in French", async () => {
    render(Backups);
    expect(await screen.findByText("Dernière sauvegarde : il y a 3 heures")).toBeTruthy();
    const row = await screen.findByTestId("backup-row");
    expect(row.textContent).toContain("03/12/2026 à 14 h 05");
    expect(row.textContent).toContain("avant un import");
    expect(row.textContent).toContain("ce PC");
    expect(row.textContent).toContain("12 Mo");
    expect(row.textContent).toContain("Chiffrée");
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("warns when backups are overdue and the destination is missing", async () => {
    mocks.status = status({
      overdue: true,
      days_since_last: 9,
      destination: {
        path: "E:\\",
        present: false,
        encrypted: false,
        missing_since: null,
        days_missing: 5,
        alert: true,
        last_backup_at: null,
      },
    });
    render(Backups);
    expect((await screen.findByTestId("backup-overdue")).textContent).toContain(
      "Aucune sauvegarde depuis 9 jours",
    );
    expect(screen.getByTestId("backup-destination").textContent).toContain("Introuvable depuis 5 jours");
    expect(screen.getByTestId("backup-destination-alert").getAttribute("role")).toBe("alert");
  });

  it("checks the passphrase before saving the settings, and shows Rust's field errors", async () => {
    render(Backups);
    await screen.findByTestId("backup-row");
    await fireEvent.click(screen.getByTestId("backup-encrypt"));
    const pass = screen.getByTestId("backup-passphrase") as HTMLInputElement;
    await fireEvent.input(pass, { target: { value: "court" } });
    await fireEvent.submit(screen.getByTestId("backup-save").closest("form")!);
    expect(screen.getByTestId("backup-passphrase-error").textContent).toContain("au moins 8 caractères");
    expect(mocks.configure).not.toHaveBeenCalled();

    mocks.configure.mockRejectedValue(
      new AppError("validation", "x", [
        { field: "destination", code: "invalid", message: "Ce dossier est sur ce PC." },
      ]),
    );
    await fireEvent.input(pass, { target: { value: "une longue phrase" } });
    await fireEvent.input(screen.getByTestId("backup-passphrase-confirm"), {
      target: { value: "une longue phrase" },
    });
    await fireEvent.submit(screen.getByTestId("backup-save").closest("form")!);
    expect(mocks.configure).toHaveBeenCalledWith("", true, "une longue phrase");
    expect((await screen.findByTestId("backup-destination-error")).textContent).toBe(
      "Ce dossier est sur ce PC.",
    );
  });

  it("opens the restore confirmation from a row; Escape cancels", async () => {
    render(Backups);
    await fireEvent.click(await screen.findByTestId("backup-restore"));
    const dialog = screen.getByRole("dialog");
    expect(dialog.textContent).toContain("120 produits");
    expect(dialog.textContent).toContain("310 photos");
    expect(dialog.textContent).toContain("42 commandes");
    expect(dialog.textContent).toContain("La connexion à la place de marché sera à refaire.");
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId("restore-passphrase")));
    await fireEvent.keyDown(dialog, { key: "Escape" });
    expect(screen.queryByRole("dialog")).toBeNull();
  });
});

describe("the restore confirmation", () => {
  it("says why the check failed, or that Comptoir restarts", async () => {
    mocks.restore.mockRejectedValueOnce(new AppError("backup_passphrase", "Phrase de passe incorrecte."));
    render(RestoreDialog, { entry, onclose: () => {} });
    await fireEvent.input(screen.getByTestId("restore-passphrase"), { target: { value: "secret123" } });
    await fireEvent.click(screen.getByTestId("restore-confirm"));
    expect((await screen.findByTestId("restore-error")).textContent).toContain("phrase de passe");
    expect(mocks.restore).toHaveBeenCalledWith("/backups/b1", "secret123");

    mocks.restore.mockResolvedValueOnce(entry);
    await fireEvent.click(screen.getByTestId("restore-confirm"));
    expect((await screen.findByTestId("restore-restarting")).textContent).toContain("Comptoir va redémarrer");
  });
});

describe("the status bar", () => {
  it("shows the backup's age, and warns when the key has been missing for days", async () => {
    const onbackups = vi.fn();
    render(StatusBar, { onopen: () => {}, onbackups });
    const button = await screen.findByTestId("backup-age");
    expect(button.textContent).toContain("Sauvegarde : il y a 3 h");
    await fireEvent.click(button);
    expect(onbackups).toHaveBeenCalled();
    cleanup();

    mocks.status = status({
      destination: {
        path: "E:\\",
        present: false,
        encrypted: false,
        missing_since: null,
        days_missing: 4,
        alert: true,
        last_backup_at: null,
      },
    });
    render(StatusBar, { onopen: () => {} });
    const warned = await screen.findByTestId("backup-age");
    expect(warned.textContent).toContain("Clé de sauvegarde absente depuis 4 jours");
    expect(warned.classList.contains("warn")).toBe(true);
  });
});

describe("the welcome screen (a new PC)", () => {
  it("restores a backup chosen in a folder, through the same confirmation", async () => {
    mocks.describe.mockResolvedValue(entry);
    render(Welcome, { onstarted: () => {} });
    await fireEvent.click(screen.getByTestId("restore-backup"));
    expect((await screen.findByRole("dialog")).textContent).toContain(
      "Restaurer la sauvegarde du 03/12/2026 à 14 h 05",
    );
    expect(mocks.describe).toHaveBeenCalledWith("/media/cle/Comptoir-sauvegardes/b1");
  });

  it("recovers the catalogue from the marketplace", async () => {
    mocks.recover.mockResolvedValue({
      shop_id: "s",
      shop_name: "Fromagerie",
      categories: 3,
      products: 57,
      variants: 60,
      photos: 80,
      photo_bytes: 1,
    });
    const onstarted = vi.fn();
    render(Welcome, { onstarted });
    expect((await screen.findByTestId("recover-warning")).textContent).toContain("ne sont pas récupérées");
    await fireEvent.input(screen.getByTestId("recover-url"), {
      target: { value: " https://marche.orne.fr " },
    });
    await fireEvent.input(screen.getByTestId("recover-code"), { target: { value: "ABCD-1234" } });
    await fireEvent.submit(screen.getByTestId("recover-market").closest("form")!);
    await waitFor(() =>
      expect(onstarted).toHaveBeenCalledWith(
        "Catalogue récupéré : 57 produits, 80 photos (les photos sont celles de la place de marché)",
      ),
    );
    expect(mocks.recover).toHaveBeenCalledWith("https://marche.orne.fr", "ABCD-1234");
  });
});
